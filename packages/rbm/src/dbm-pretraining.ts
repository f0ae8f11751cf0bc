/**
 * Greedy layer-wise pretraining of a two-hidden-layer DBM (Salakhutdinov & Hinton 2009,
 * sect. 3.1), with the modified RBMs of `replicated-rbm.ts`:
 *
 * 1. the bottom RBM (v, h1) with doubled bottom-up input, P(h1 | v) = σ(2·v·W1 + c), is trained
 *    on the data;
 * 2. the top RBM (h1, h2) with doubled top-down input, P(h1 | h2) = σ(2·h2·W2ᵀ + b′), is trained
 *    on the bottom RBM's P(h1 | v) of the data;
 * 3. the two are composed: W1, W2 and b, c2 are taken as they are, and h1's bias is the mean of
 *    the two RBMs' biases for h1, c1 = (c + b′) / 2. In the DBM h1 hears v and h2 once each
 *    (σ(v·W1 + h2·W2ᵀ + c1)), which is the average of the two doubled conditionals' total inputs
 *    — the "halving" of the paper: each RBM's doubled input to h1 is halved because the other
 *    layer now supplies the other half.
 *
 * Both RBMs start from the DBM's current parameters, so the initial weights come from the DBM's
 * constructor and pretraining is deterministic given the `Rng`.
 *
 * References: R. Salakhutdinov & G. E. Hinton (2009), "Deep Boltzmann machines", AISTATS,
 * sect. 3.1; R. Salakhutdinov & G. E. Hinton (2012), Neural Computation 24(8).
 */
import { ValidationError, tf, type Rng } from '@gradlab/core';
import type { DBM } from './deep-boltzmann-machine.js';
import { setVisibleBiasFromData } from './deep-belief-net.js';
import type { DBNLayerTrainConfig, DBNPretrainConfig, DBNPretrainResult } from './deep-belief-net.js';
import { ReplicatedRBM } from './replicated-rbm.js';
import { mapRows } from './row-chunks.js';
import { trainRBMPlaced } from './train-rbm.js';
import type { RBMEpochStats, TrainRBMConfig } from './train-rbm.js';
import { layerPlacement } from './watched-step.js';

/**
 * Options of {@link DBM.pretrain}: `trainRBM`'s for both RBMs, per-layer overrides, a callback.
 * With `watch`, the bottom RBM's rows are named `layer0.*` and the top one's `layer1.*` (their own
 * parameters before composition: the top RBM's `visibleBias` is b′ of h1), and `step` counts the
 * updates of both, as {@link DBNPretrainConfig} describes.
 */
export interface DBMPretrainConfig extends DBNLayerTrainConfig {
  /** Overrides for [bottom, top], e.g. `[{}, { learningRate: 0.02 }]`. */
  layers?: Partial<DBNLayerTrainConfig>[];
  /** Set the bottom RBM's visible biases from the data means before training (default true). */
  initVisibleBias?: boolean;
  /** Called after every epoch of either RBM (layer 0 = bottom, 1 = top); 'stop' ends that RBM's training. */
  onEpoch?: (stats: RBMEpochStats & { layer: number }) => void | 'stop';
}

/**
 * Pretrains `dbm` in place (see the file comment).
 * @param dbm the model; its parameters are replaced by the composed ones
 * @param x training data [n, V] (not changed)
 * @param config `trainRBM` options for both RBMs, `layers`, `initVisibleBias`, `onEpoch`
 * @param rng RBM l trains with `rng.fork('layer{l}')`
 * @returns each RBM's epoch history
 * @throws ValidationError for bad options; ShapeError for data of the wrong shape
 */
export function pretrainDBM(dbm: DBM, x: tf.Tensor, config: DBMPretrainConfig, rng: Rng): DBNPretrainResult {
  const { layers: overrides = [], initVisibleBias = true, onEpoch, ...shared } = config ?? ({} as DBMPretrainConfig);
  if (!Array.isArray(overrides) || overrides.length > 2) {
    throw new ValidationError(`DBM.pretrain: expected layers to be an array of at most 2 per-layer option objects, got ${Array.isArray(overrides) ? `${overrides.length} entries` : typeof overrides}`);
  }
  dbm.checkRows(x, 0, 'pretrain', 'x');
  const bottom = new ReplicatedRBM({ params: { weight: dbm.weight1, visibleBias: dbm.visibleBias, hiddenBias: dbm.hiddenBias1 }, replicated: 'visible' });
  const top = new ReplicatedRBM({ params: { weight: dbm.weight2, visibleBias: dbm.hiddenBias1, hiddenBias: dbm.hiddenBias2 }, replicated: 'hidden' });
  const out: DBNPretrainResult = { layers: [] };
  let features: tf.Tensor2D | undefined;
  let updates = 0;
  try {
    const train = (rbm: ReplicatedRBM, input: tf.Tensor, l: number) => {
      const layerConfig: TrainRBMConfig = { ...shared, ...(overrides[l] ?? {}) };
      if (onEpoch !== undefined) layerConfig.onEpoch = (s) => onEpoch({ ...s, layer: l });
      const { history, steps } = trainRBMPlaced(rbm, input, layerConfig, rng.fork(`layer${l}`), layerPlacement(l, updates));
      updates += steps;
      out.layers.push({ layer: l, history });
    };
    if (initVisibleBias) setVisibleBiasFromData(bottom, x);
    train(bottom, x, 0);
    features = mapRows(x, (rows) => bottom.meanHidden(rows));
    train(top, features, 1);
    const c1 = tf.tidy(() => tf.mul(tf.add(bottom.hiddenBias, top.visibleBias), 0.5));
    dbm.setParams({ weight1: bottom.weight, visibleBias: bottom.visibleBias, weight2: top.weight, hiddenBias2: top.hiddenBias, hiddenBias1: c1 });
    c1.dispose();
    return out;
  } finally {
    features?.dispose();
    bottom.dispose();
    top.dispose();
  }
}
