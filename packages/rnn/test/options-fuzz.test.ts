/**
 * Property tests of the rnn entry points' option validation (zod schemas via core's
 * parseOptions): any bad value in any field is refused with a ValidationError whose message names
 * the entry point, the field, the value and what was expected — before a tensor is allocated.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Rng, SGD, ValidationError, describeValue, tf } from '@gradlab/core';
import { GRU, LSTM, RNN, addingProblem, netFromStateDict, probeGradientFlow, trainOnTask } from '../src/index.js';
import type { RecurrentArch } from '../src/index.js';
import { FUZZ_SEED } from '../../core/test/io/hostile-bytes.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Values that are not positive integers. */
const notPositiveInt = fc.constantFrom<unknown>(0, -1, 1.5, NaN, Infinity, -Infinity, 2 ** 60, '3', null, true, [], {});
/** Values that are not finite numbers. */
const notFinite = fc.constantFrom<unknown>(NaN, Infinity, -Infinity, '1', null, false, [1], {});
/** Values that are not init names. */
const notInitName = fc.oneof(fc.constantFrom<unknown>('Glorot', 'xavier_uniform', '', 3, null), fc.string({ maxLength: 6 }).filter((s) => !['zeros', 'normal', 'uniform', 'orthogonal', 'identity', 'pytorch', 'constant'].includes(s)));

const CTORS = { RNN, LSTM, GRU } as const;
type CtorName = keyof typeof CTORS;

describe('recurrent constructors refuse bad options by schema', () => {
  test('property: a bad value in any field → ValidationError naming constructor, field and value; nothing allocated', () => {
    let cases = 0;
    const fieldAndValue = fc.oneof(
      fc.tuple(fc.constantFrom('inputSize', 'hiddenSize', 'outputSize', 'numLayers'), notPositiveInt),
      fc.tuple(fc.constantFrom('recurrentGain'), notFinite),
      fc.tuple(fc.constantFrom('spectralRadius'), fc.oneof(notFinite, fc.constantFrom<unknown>(-0.5, -1))),
      fc.tuple(fc.constantFrom('inputInit', 'recurrentInit', 'headInit'), notInitName),
      fc.tuple(fc.constantFrom('biasInit'), fc.constantFrom<unknown>('ones', 'glorotUniform', 0, null)),
    );
    fc.assert(
      fc.property(fc.constantFrom<CtorName>('RNN', 'LSTM', 'GRU'), fieldAndValue, (name, [field, value]) => {
        cases++;
        const before = tf.memory().numTensors;
        const config = { inputSize: 2, hiddenSize: 3, [field]: value };
        const make = () => new CTORS[name](config as never, new Rng(1));
        expect(make).toThrow(ValidationError);
        expect(make).toThrow(new RegExp(`^${name}: expected ${field} to be .+, got ${escape(describeValue(value))}$`));
        expect(tf.memory().numTensors).toBe(before);
      }),
      { seed: FUZZ_SEED, numRuns: 400 },
    );
    expect(cases).toBe(400);
    console.info(`[fuzz] recurrent constructor options: ${cases} cases`);
  });

  test('regressions: exact messages', () => {
    expect(() => new LSTM({ inputSize: 2, hiddenSize: 12.5 }, new Rng(1))).toThrow(/^LSTM: expected hiddenSize to be a positive integer, got 12\.5$/);
    expect(() => new LSTM({ inputSize: 2, hiddenSize: 3, forgetBias: NaN }, new Rng(1))).toThrow(/^LSTM: expected forgetBias to be a finite number, got NaN$/);
    expect(() => new RNN({ inputSize: 2, hiddenSize: 3, nonlinearity: 'gelu' } as never, new Rng(1))).toThrow(
      /^RNN: expected nonlinearity to be one of "tanh", "relu", "sigmoid", "linear", got "gelu"$/,
    );
    expect(() => new GRU({ inputSize: 2, hiddenSize: 3, forgetBias: 1 } as never, new Rng(1))).toThrow(/^GRU: unknown option "forgetBias"; expected one of inputSize, hiddenSize/);
    expect(() => new GRU({ hiddenSize: 3 } as never, new Rng(1))).toThrow(/^GRU: expected inputSize to be a positive integer \(it is required\), got undefined$/);
  });
});

describe('trainOnTask, probeGradientFlow and netFromStateDict refuse bad options by schema', () => {
  const net = new LSTM({ inputSize: 2, hiddenSize: 3 }, new Rng(2));
  const task = addingProblem(5);

  test('property: a bad trainOnTask option → ValidationError naming the field; nothing trained, nothing leaked', () => {
    let cases = 0;
    const weights = Array.from(net.params['weight_hh_l0']!.dataSync());
    const fieldAndValue = fc.oneof(
      fc.tuple(fc.constantFrom('iterations', 'batchSize', 'evalEvery'), notPositiveInt),
      fc.tuple(fc.constant('optimizer'), fc.constantFrom<unknown>(undefined, null, 'sgd', { step: () => 0 }, 0.1)),
      fc.tuple(fc.constant('truncation'), fc.constantFrom<unknown>({ k1: 0, k2: 5 }, { k1: 5 }, { k1: 2, k2: 2, k3: 1 }, 5, 'tbptt')),
      fc.tuple(fc.constant('stopOnNonFinite'), fc.constantFrom<unknown>(0, 'yes', null)),
      fc.tuple(fc.constant('onEval'), fc.constantFrom<unknown>('log', 1, {})),
      fc.tuple(fc.constant('testSet'), fc.constantFrom<unknown>({}, [1, 2], 'test', { x: 1, y: 2 })),
      fc.tuple(fc.constant('watch'), fc.constantFrom<unknown>({ every: 5 }, 'yes', 1, null)),
    );
    fc.assert(
      fc.property(fieldAndValue, ([field, value]) => {
        cases++;
        const before = tf.memory().numTensors;
        const opt = new SGD({ learningRate: 0.1 });
        const options = { iterations: 1, batchSize: 2, optimizer: opt, [field]: value };
        const run = () => trainOnTask(net, task, options as never, new Rng(3));
        expect(run).toThrow(ValidationError);
        expect(run).toThrow(new RegExp(`^trainOnTask: expected ${field}(\\.k\\d)? to be .+, got .+$|^trainOnTask: unknown option "${field}\\.k3"`));
        expect(tf.memory().numTensors).toBe(before);
      }),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
    expect(cases).toBe(300);
    expect(Array.from(net.params['weight_hh_l0']!.dataSync())).toEqual(weights);
    console.info(`[fuzz] trainOnTask options: ${cases} cases`);
  });

  test('regressions: exact messages', () => {
    const opt = new SGD({ learningRate: 0.1 });
    expect(() => trainOnTask(net, task, { iterations: 0, batchSize: 2, optimizer: opt }, new Rng(1))).toThrow(/^trainOnTask: expected iterations to be a positive integer, got 0$/);
    expect(() => trainOnTask(net, task, { iterations: 1, batchSize: 2, optimizer: 'adam' } as never, new Rng(1))).toThrow(
      /^trainOnTask: expected optimizer to be an Optimizer \(SGD, Adam, …\), got "adam"$/,
    );
    expect(() => trainOnTask(net, task, { iterations: 1, batchSize: 2, optimizer: opt, evalevery: 5 } as never, new Rng(1))).toThrow(
      /^trainOnTask: unknown option "evalevery"; expected one of iterations, batchSize, optimizer, truncation, evalEvery, testSet, stopOnNonFinite, onEval, watch$/,
    );
    expect(() => trainOnTask(net, task, { iterations: 1, batchSize: 2, optimizer: opt }, 42 as never)).toThrow(/^trainOnTask: expected rng to be an Rng, got 42$/);
    const x = tf.zeros([4, 2, 2]);
    const y = tf.zeros([2, 1]);
    expect(() => probeGradientFlow(net, x, y, { loss: 'ce' } as never)).toThrow(/^probeGradientFlow: expected loss to be one of "last-mse", got "ce"$/);
    expect(() => probeGradientFlow(net, x, y, { jacobian: 'no' } as never)).toThrow(/^probeGradientFlow: expected jacobian to be true or false, got "no"$/);
    tf.dispose([x, y]);
    expect(() => netFromStateDict('lstm ' as RecurrentArch, {}, 'w.safetensors')).toThrow(
      /^w\.safetensors: expected arch to be one of rnn-tanh, rnn-relu, lstm, gru, rnn-sigmoid, rnn-linear, got "lstm "$/,
    );
  });
});
