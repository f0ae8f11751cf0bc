/**
 * Property tests of the rbm entry points' option validation (zod schemas via core's
 * parseOptions): any bad value in any field of an RBM constructor or a ContrastiveDivergence
 * config is refused with a ValidationError naming the class, the field and the value, before a
 * tensor is allocated; `fromParams` refuses misshapen, empty or disposed parameters.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Rng, ShapeError, ValidationError, describeValue, tf } from '@gradlab/core';
import { BernoulliGaussianRBM, BernoulliRBM, ContrastiveDivergence, GaussianBernoulliRBM } from '../src/index.js';
import { FUZZ_SEED } from '../../core/test/io/hostile-bytes.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const notPositiveInt = fc.constantFrom<unknown>(0, -3, 2.5, NaN, Infinity, 2 ** 60, '10', null, true, [], {});
const notNonNegative = fc.constantFrom<unknown>(-0.01, -Infinity, NaN, Infinity, '0.1', null, {});
const notFinite = fc.constantFrom<unknown>(NaN, Infinity, -Infinity, '0', null, [0]);

const CLASSES = { BernoulliRBM, GaussianBernoulliRBM, BernoulliGaussianRBM } as const;
type ClassName = keyof typeof CLASSES;

describe('RBM constructors and trainers refuse bad options by schema', () => {
  test('property: a bad RBM config field → ValidationError naming class, field and value; nothing allocated', () => {
    let cases = 0;
    const fieldAndValue = fc.oneof(
      fc.tuple(fc.constantFrom('numVisible', 'numHidden'), notPositiveInt),
      fc.tuple(fc.constant('weightStd'), notNonNegative),
      fc.tuple(fc.constant('hiddenBias'), notFinite),
      fc.tuple(fc.constant('visibleMeans'), fc.constantFrom<unknown>('0.5', 3, null, { length: 4 })),
    );
    fc.assert(
      fc.property(fc.constantFrom<ClassName>('BernoulliRBM', 'GaussianBernoulliRBM', 'BernoulliGaussianRBM'), fieldAndValue, (name, [field, value]) => {
        cases++;
        const before = tf.memory().numTensors;
        const make = () => new CLASSES[name]({ numVisible: 4, numHidden: 3, [field]: value } as never, new Rng(1));
        expect(make).toThrow(ValidationError);
        expect(make).toThrow(new RegExp(`^${name}: expected ${field} to be .+, got ${escape(describeValue(value))}$`));
        expect(tf.memory().numTensors).toBe(before);
      }),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
    expect(cases).toBe(300);
    console.info(`[fuzz] RBM constructor options: ${cases} cases`);
  });

  test('property: a bad ContrastiveDivergence config field → ValidationError naming it', () => {
    let cases = 0;
    const rbm = new BernoulliRBM({ numVisible: 4, numHidden: 3 }, new Rng(2));
    const fieldAndValue = fc.oneof(
      fc.tuple(fc.constantFrom('k', 'numChains'), notPositiveInt),
      fc.tuple(fc.constantFrom('learningRate', 'fastLearningRate'), fc.constantFrom<unknown>(0, -0.1, NaN, Infinity, '0.1', null)),
      fc.tuple(fc.constantFrom('momentum', 'sparsityDecay', 'fastWeightDecay'), fc.constantFrom<unknown>(1, -0.1, 1.5, NaN, '0.5')),
      fc.tuple(fc.constant('sparsityTarget'), fc.constantFrom<unknown>(0, 1, -0.5, NaN)),
      fc.tuple(fc.constantFrom('weightCost', 'sparsityCost'), notNonNegative),
      fc.tuple(fc.constant('method'), fc.constantFrom<unknown>('CD', 'CD-1', 'pcd2', 1, null)),
    );
    fc.assert(
      fc.property(fieldAndValue, ([field, value]) => {
        cases++;
        const before = tf.memory().numTensors;
        const make = () => new ContrastiveDivergence(rbm, { [field]: value } as never);
        expect(make).toThrow(ValidationError);
        expect(make).toThrow(new RegExp(`^ContrastiveDivergence: expected ${field} to be .+, got ${escape(describeValue(value))}$`));
        expect(tf.memory().numTensors).toBe(before);
      }),
      { seed: FUZZ_SEED, numRuns: 300 },
    );
    rbm.dispose();
    expect(cases).toBe(300);
    console.info(`[fuzz] ContrastiveDivergence options: ${cases} cases`);
  });

  test('regressions: fromParams refuses shapes that do not fit, an empty layer and disposed tensors', () => {
    const params = (v: number, h: number) => ({ weight: tf.zeros([v, h]), visibleBias: tf.zeros([v]), hiddenBias: tf.zeros([h]) });
    const p = params(4, 3);
    const before = tf.memory().numTensors;
    expect(() => BernoulliRBM.fromParams({ ...p, hiddenBias: p.visibleBias })).toThrow(ShapeError);
    expect(() => BernoulliRBM.fromParams({ ...p, hiddenBias: p.visibleBias })).toThrow(/^BernoulliRBM\.fromParams: expected params\.hiddenBias of shape \[3\], got \[4\]$/);
    const empty = params(4, 0);
    expect(() => GaussianBernoulliRBM.fromParams(empty)).toThrow(/^GaussianBernoulliRBM\.fromParams: expected params\.weight of shape \[visible, hidden\] with both sizes ≥ 1, got \[4,0\]$/);
    tf.dispose(Object.values(empty));
    const gone = params(2, 2);
    tf.dispose(gone.weight);
    expect(() => BernoulliRBM.fromParams(gone)).toThrow(ValidationError);
    expect(() => BernoulliRBM.fromParams(gone)).toThrow(/^BernoulliRBM\.fromParams: expected params\.weight to be a live tensor, got a disposed one$/);
    tf.dispose([gone.visibleBias, gone.hiddenBias]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(p));
    expect(() => new BernoulliRBM({ numVisible: 4, numHidden: 0 }, new Rng(1))).toThrow(/^BernoulliRBM: expected numHidden to be a positive integer, got 0$/);
    expect(() => new BernoulliRBM({ numVisible: 4, numHidden: 3, hidden: 5 } as never, new Rng(1))).toThrow(/^BernoulliRBM: unknown option "hidden"; expected one of numVisible, numHidden/);
  });
});
