/**
 * Backend-agreement cases of the recurrent nets (tanh RNN, ReLU RNN, LSTM, GRU): the forward
 * readout and final state, explicit BPTT (loss, ∂L/∂θ, per-step ‖∂L/∂h_t‖ and for the LSTM
 * ‖∂L/∂c_t‖), and truncated BPTT(k1, k2) with an SGD step per chunk (chunk losses and the
 * parameter change after the whole sequence). Also the multi-step run of the tfjs-4326
 * scenario: an LSTM trained by SGD on the adding problem.
 */
import { Rng, SGD, tf } from '@gradlab/core';
import { GRU, LSTM, RNN, addingProblem, bptt, trainOnTask, truncatedBptt } from '@gradlab/rnn';
import type { RecurrentNet } from '@gradlab/rnn';
import { parameterChange, snapshot, take } from './compare.js';
import type { CaseOutputs } from './compare.js';
import type { AgreementCase } from './agreement-case.js';

const T = 15;
const BATCH = 6;
const INPUT = 3;
const HIDDEN = 12;
const OUTPUT = 2;
/** Truncation of the TBPTT case: 3 chunks of 5 steps, each backpropagated over its own 5 steps. */
const K = 5;

type Cell = 'rnn-tanh' | 'rnn-relu' | 'lstm' | 'gru';

function makeNet(cell: Cell, rng: Rng, config: { inputSize: number; hiddenSize: number; outputSize: number }): RecurrentNet {
  if (cell === 'lstm') return new LSTM(config, rng);
  if (cell === 'gru') return new GRU(config, rng);
  return new RNN({ ...config, nonlinearity: cell === 'rnn-relu' ? 'relu' : 'tanh' }, rng);
}

function recurrentOutputs(cell: Cell): CaseOutputs {
  const rng = new Rng(21);
  const net = makeNet(cell, rng.fork('net'), { inputSize: INPUT, hiddenSize: HIDDEN, outputSize: OUTPUT });
  const x = rng.fork('x').normalTensor([T, BATCH, INPUT]);
  const yLast = rng.fork('y-last').normalTensor([BATCH, OUTPUT]);
  const yEvery = rng.fork('y-every').normalTensor([T, BATCH, OUTPUT]);
  const out: CaseOutputs = {};

  const f = net.forward(x);
  out['fwd:output'] = take(f.output);
  out['fwd:hidden'] = take(f.hidden);
  out['fwd:h_n'] = take(f.state.h);
  if (f.state.c) out['fwd:c_n'] = take(f.state.c);

  const g = bptt(net, x, yLast, { loss: 'mse', at: 'last' });
  out['fwd:bptt-loss'] = [g.loss];
  for (const [k, v] of Object.entries(g.grads)) out[`grad:${k}`] = Float32Array.from(v.dataSync());
  out['perstep:|dL/dh_t|'] = g.gradH;
  // The last step's ‖∂L/∂c_T‖ is 0 by definition (the loss reads h_T only): compare the others.
  if (g.gradC.length > 0) out['perstep:|dL/dc_t|'] = g.gradC.subarray(0, T - 1);
  for (const [gate, means] of Object.entries(g.gateMeans)) out[`fwd:gate-mean-${gate}`] = means;
  g.dispose();

  const before = snapshot(net.params);
  const opt = new SGD({ learningRate: 0.1 });
  const chunkLosses: number[] = [];
  const r = truncatedBptt(net, x, yEvery, { loss: 'mse', at: 'every', k1: K, k2: K }, (u) => {
    chunkLosses.push(u.loss);
    opt.step(net.params, u.grads);
  });
  out['fwd:tbptt-chunk-losses'] = chunkLosses;
  Object.assign(out, parameterChange(before, net.params));
  tf.dispose([r.state.h, ...(r.state.c ? [r.state.c] : [])]);
  opt.dispose();
  net.dispose();
  tf.dispose([x, yLast, yEvery]);
  return out;
}

const CELLS: [Cell, string][] = [
  ['rnn-tanh', 'rnn RNN'],
  ['rnn-relu', 'rnn RNN'],
  ['lstm', 'rnn LSTM'],
  ['gru', 'rnn GRU'],
];

/** One case per cell type. */
export const RNN_CASES: AgreementCase[] = CELLS.map(([cell, family]) => ({
  family,
  name: `${cell}: forward, bptt, tbptt(${K},${K}) step`,
  run: () => recurrentOutputs(cell),
}));

/** Size of the multi-step run (tfjs-4326 scenario: an LSTM trained on one backend vs another). */
export const ADDING_RUN = Object.freeze({ steps: 20, batch: 8, hidden: 16, iterations: 200, evalEvery: 25, learningRate: 0.05, testSize: 64 });

/**
 * 200 SGD steps (momentum 0.9, global-norm clipping at 1) of an LSTM on the adding problem
 * through `trainOnTask` (full BPTT, minibatches from one Rng): the test MSE at every evaluation
 * point, the mean training loss between them, and the final parameters. In 200 steps the test
 * MSE falls from 1.25 to about 0.18, near the 1/6 of predicting the mean: the first phase of
 * learning the task, where tfjs#4326 saw the wasm loss go astray.
 */
export function addingRunOutputs(): CaseOutputs {
  const { steps, batch, hidden, iterations, evalEvery, learningRate, testSize } = ADDING_RUN;
  const rng = new Rng(4326);
  const task = addingProblem(steps);
  const net = new LSTM({ inputSize: task.inputSize, hiddenSize: hidden, outputSize: task.outputSize }, rng.fork('net'));
  const testSet = task.testSet(testSize, 4326);
  const opt = new SGD({ learningRate, momentum: 0.9, clip: { mode: 'global-norm', max: 1 } });
  const records = trainOnTask(net, task, { iterations, batchSize: batch, optimizer: opt, evalEvery, testSet }, rng.fork('train'));
  const out: CaseOutputs = {
    'train:test-mse': records.map((r) => r.testLoss),
    'train:train-loss': records.slice(1).map((r) => r.trainLoss),
  };
  for (const [k, v] of Object.entries(net.params)) out[`train:final ${k}`] = Float32Array.from(v.dataSync());
  testSet.dispose();
  opt.dispose();
  net.dispose();
  return out;
}
