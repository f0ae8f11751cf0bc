/**
 * The single TensorFlow.js instance of the workspace. Every gradlab package takes `tf` from
 * here (re-exported by `@gradlab/core`) so there is one engine, one memory ledger and one
 * backend registry.
 */
import * as tf from '@tensorflow/tfjs';

// PROD silences tfjs's console hints (e.g. "install tfjs-node"): library code never prints.
tf.env().set('PROD', true);

export { tf };
