/**
 * The single TensorFlow.js instance of the workspace. Every gradlab package takes `tf` from
 * here (re-exported by `@gradlab/core`) so there is one engine, one memory ledger and one
 * backend registry. Importing it changes no settings; `initBackend` does that.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
