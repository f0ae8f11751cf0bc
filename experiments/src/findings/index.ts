/**
 * The findings registry: experiment name → the module that compares its rows with the
 * published result it reproduces (see `finding.ts`).
 */
import type { FindingFn } from './finding.js';
import { deepAutoencoderFinding } from './deep-autoencoder.js';
import { depthGradientsFinding } from './depth-gradients.js';
import { explodingClippingFinding } from './exploding-clipping.js';
import { longTermMemoryFinding } from './long-term-memory.js';
import { pretrainingFinding } from './pretraining.js';
import { rbmLikelihoodFinding } from './rbm-likelihood.js';
import { tbpttWindowFinding } from './tbptt-window.js';
import { timeGradientsFinding } from './time-gradients.js';
import { temporalOrderFinding } from './temporal-order.js';
import { copyMemoryFinding } from './copy-memory.js';
import { longTimeLagFinding } from './long-time-lag.js';

/** Finding modules by experiment name. */
export const FINDINGS: ReadonlyMap<string, FindingFn> = new Map([
  ['depth-gradients', depthGradientsFinding],
  ['time-gradients', timeGradientsFinding],
  ['exploding-clipping', explodingClippingFinding],
  ['tbptt-window', tbpttWindowFinding],
  ['long-term-memory', longTermMemoryFinding],
  ['rbm-likelihood', rbmLikelihoodFinding],
  ['pretraining', pretrainingFinding],
  ['deep-autoencoder', deepAutoencoderFinding],
  ['temporal-order', temporalOrderFinding],
  ['copy-memory', copyMemoryFinding],
  ['long-time-lag', longTimeLagFinding],
]);

export type { Finding, FindingFn, KeyTable, PublishedFigure, Verdict } from './finding.js';
