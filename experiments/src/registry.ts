/**
 * Every experiment the `gradlab` CLI knows, in the order `gradlab list` and `gradlab run all`
 * use. Adding an experiment is one import and one line in the list.
 */
import { experimentMap } from '@gradlab/lab';
import { deepAutoencoder } from './deep-autoencoder.js';
import { depthGradients } from './depth-gradients.js';
import { longTermMemory } from './long-term-memory.js';
import { timeGradients } from './time-gradients.js';
import { pretraining } from './pretraining.js';
import { pretrainingVsData } from './pretraining-vs-data.js';
import { rbmLikelihood } from './rbm-likelihood.js';
import { tbpttWindow } from './tbptt-window.js';
import { explodingClipping } from './exploding-clipping.js';
import { temporalOrderExperiment } from './temporal-order.js';
import { copyMemoryExperiment } from './copy-memory.js';
import { longTimeLagExperiment } from './long-time-lag.js';
import { dbmVsDbn } from './dbm-vs-dbn.js';
import { dbmFineTuning } from './dbm-fine-tuning.js';
import { weightSharing } from './weight-sharing.js';
import { weightPenalties } from './weight-penalties.js';
import { convPretraining } from './conv-pretraining.js';

/** The experiments, by name. */
export const EXPERIMENTS = experimentMap([
  depthGradients,
  timeGradients,
  longTermMemory,
  rbmLikelihood,
  pretraining,
  deepAutoencoder,
  pretrainingVsData,
  tbpttWindow,
  explodingClipping,
  temporalOrderExperiment,
  copyMemoryExperiment,
  longTimeLagExperiment,
  dbmVsDbn,
  dbmFineTuning,
  weightSharing,
  weightPenalties,
  convPretraining,
]);
