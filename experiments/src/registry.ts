/**
 * Every experiment the `gradlab` CLI knows, in the order `gradlab list` and `gradlab run all`
 * use. Adding an experiment is one import and one line in the list.
 */
import { experimentMap } from './cli/experiment-map.js';
import { depthGradients } from './depth-gradients.js';
import { longTermMemory } from './long-term-memory.js';
import { timeGradients } from './time-gradients.js';

/** The experiments, by name. */
export const EXPERIMENTS = experimentMap([
  depthGradients,
  timeGradients,
  longTermMemory,
]);
