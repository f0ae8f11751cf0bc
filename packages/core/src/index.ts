/**
 * @gradlab/core — what the RBM and RNN packages share: the TensorFlow.js backend, seeded
 * randomness, initialisers, activations, MLPs, optimisers, gradient probes, data, io, the
 * experiment runner and plots. Everything public is exported by name from this file.
 */
export { tf } from './backend/tf.js';
export { initBackend, backendInfo, BACKEND_NAMES } from './backend/backend.js';
export type { BackendInfo, BackendName, BackendConfig } from './backend/backend.js';

export {
  GradlabError,
  ValidationError,
  ShapeError,
  FileFormatError,
  BackendError,
  ExperimentError,
  invalidArgument,
  describeValue,
} from './errors/gradlab-error.js';
export type { GradlabErrorCode } from './errors/gradlab-error.js';
export {
  parseOptions,
  positiveInt,
  nonNegativeInt,
  positiveNumber,
  nonNegativeNumber,
  finiteNumber,
  probability,
  oneOf,
} from './errors/schema.js';

export { Rng } from './random/rng.js';
export type { Seed } from './random/rng.js';

// ---- init, activations, nn (MLP, batch norm, residual), losses ----

// ---- optim (SGD, momentum, Adam, clipping, weight decay), probe, gradcheck ----

// ---- data (IDX, synthetic sets, batching) and safetensors ----

// ---- io (atomic writes, CSV, manifest), experiment runner, plot ----
