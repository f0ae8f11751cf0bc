/**
 * @gradlab/rnn — recurrent networks (RNN, LSTM, GRU) with backpropagation through time written
 * out, truncated BPTT(k1, k2), per-step gradient measurements, PyTorch-compatible weights and
 * the classic long-range sequence tasks. Everything public is exported by name from this file.
 */
export { RNN } from './rnn.js';
export { LSTM } from './lstm.js';
export { GRU } from './gru.js';
export { RecurrentNet } from './recurrent-net.js';
export type { RecurrentState, RecurrentOutput } from './recurrent-net.js';
export type { RecurrentDropoutMasks } from './layer-dropout.js';
export { DEFAULT_FORGET_BIAS } from './recurrent-config.js';
export type {
  CellType,
  RNNNonlinearity,
  RecurrentInitName,
  RecurrentConfig,
  RNNConfig,
  LSTMConfig,
  GRUConfig,
  RecurrentSpec,
} from './recurrent-config.js';
export { SEQUENCE_LOSS_NAMES } from './sequence-loss.js';
export type { SequenceLossName, SequenceLossConfig } from './sequence-loss.js';
export { bptt } from './bptt.js';
export type { BPTTOptions, BPTTResult, StepRecords } from './bptt.js';
export { truncatedBptt, truncatedGradient } from './truncated-bptt.js';
export type { TruncatedBpttOptions, TruncatedBpttResult, TruncatedUpdate, TruncatedGradient } from './truncated-bptt.js';
export { gradientAgreement } from './gradient-agreement.js';
export type { GradientAgreement } from './gradient-agreement.js';
export { jacobianNorms } from './jacobian-norms.js';
export type { JacobianNorms } from './jacobian-norms.js';
export { netFromStateDict, loadTorchWeights, saveTorchWeights, TORCH_ARCHS, RECURRENT_ARCHS } from './torch-weights.js';
export type { RecurrentArch } from './torch-weights.js';
export { probeGradientFlow, PROBE_LOSSES } from './gradient-flow-probe.js';
export type { ProbeLoss, GradientFlowProbe, GradientFlowProbeOptions } from './gradient-flow-probe.js';
export { addingProblem, ADDING_BASELINE_MSE, ADDING_BASELINE_ACCURACY, ADDING_TOLERANCE } from './tasks/adding-problem.js';
export { copyMemory, copyMemoryBaseline, COPY_SYMBOLS, COPY_LENGTH } from './tasks/copy-memory.js';
export { temporalOrder, TEMPORAL_ORDER_SYMBOLS } from './tasks/temporal-order.js';
export { delayedEcho } from './tasks/delayed-echo.js';
export { longTimeLag, longTimeLagBaseline, LONG_TIME_LAG_TOLERANCE, LONG_TIME_LAG_PREDICTIONS } from './tasks/long-time-lag.js';
export type { LongTimeLagPrediction } from './tasks/long-time-lag.js';
export type { SequenceTask, SequenceBatch, TaskScore } from './tasks/sequence-task.js';
export { trainOnTask, paramsFinite } from './train-on-task.js';
export type { TrainOnTaskOptions, TrainingRecord } from './train-on-task.js';
