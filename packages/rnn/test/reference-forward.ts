/**
 * An independent reference of the recurrent equations, written straight from the PyTorch
 * documentation with plain tfjs ops (no caches, no fused projections), so that tfjs autodiff
 * and finite differences give reference gradients for the explicit BPTT code.
 */
import { lossByName, tf } from '@gradlab/core';
import type { CellType, RNNNonlinearity } from '../src/index.js';

export interface ReferenceSpec {
  cell: CellType;
  nonlinearity?: RNNNonlinearity;
  numLayers: number;
  hiddenSize: number;
}

function act(f: RNNNonlinearity, z: tf.Tensor): tf.Tensor {
  return f === 'tanh' ? tf.tanh(z) : f === 'relu' ? tf.relu(z) : f === 'sigmoid' ? tf.sigmoid(z) : z;
}

const lin = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.add(tf.matMul(x, w, false, true), b);

/** Top-layer hidden outputs per step [B, H] and the final states, for params by PyTorch name. */
export function referenceHidden(spec: ReferenceSpec, p: Record<string, tf.Tensor>, x: tf.Tensor, h0?: tf.Tensor, c0?: tf.Tensor): tf.Tensor[] {
  const H = spec.hiddenSize;
  let inputs = tf.unstack(x);
  for (let l = 0; l < spec.numLayers; l++) {
    const wih = p[`weight_ih_l${l}`]!;
    const whh = p[`weight_hh_l${l}`]!;
    const bih = p[`bias_ih_l${l}`]!;
    const bhh = p[`bias_hh_l${l}`]!;
    const B = inputs[0]!.shape[0]!;
    let h = h0 ? tf.squeeze(tf.slice(h0, [l, 0, 0], [1, B, H]), [0]) : tf.zeros([B, H]);
    let c = c0 ? tf.squeeze(tf.slice(c0, [l, 0, 0], [1, B, H]), [0]) : tf.zeros([B, H]);
    const outs: tf.Tensor[] = [];
    for (const xt of inputs) {
      if (spec.cell === 'rnn') {
        h = act(spec.nonlinearity ?? 'tanh', tf.add(lin(xt, wih, bih), lin(h, whh, bhh)));
      } else if (spec.cell === 'lstm') {
        const gates = tf.add(lin(xt, wih, bih), lin(h, whh, bhh));
        const [i, f, g, o] = tf.split(gates, 4, 1) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        h = tf.mul(tf.sigmoid(o), tf.tanh(c));
      } else {
        const gi = tf.split(lin(xt, wih, bih), 3, 1);
        const gh = tf.split(lin(h, whh, bhh), 3, 1);
        const r = tf.sigmoid(tf.add(gi[0]!, gh[0]!));
        const z = tf.sigmoid(tf.add(gi[1]!, gh[1]!));
        const n = tf.tanh(tf.add(gi[2]!, tf.mul(r, gh[2]!)));
        h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
      }
      outs.push(h);
    }
    inputs = outs;
  }
  return inputs;
}

/** The loss of the readout, as bptt computes it. */
export function referenceLoss(
  spec: ReferenceSpec,
  p: Record<string, tf.Tensor>,
  x: tf.Tensor,
  target: tf.Tensor,
  loss: 'mse' | 'softmax-cross-entropy',
  at: 'last' | 'every',
  steps?: number[],
): tf.Scalar {
  const hs = referenceHidden(spec, p, x);
  const T = hs.length;
  const chosen = at === 'last' ? [T - 1] : (steps ?? hs.map((_, t) => t));
  const H = tf.concat(chosen.map((t) => hs[t]!), 0);
  const y = lin(H, p['head.weight']!, p['head.bias']!);
  const targets = at === 'last' ? target : tf.concat(chosen.map((t) => tf.squeeze(tf.slice(target, [t], [1]), [0])), 0);
  return lossByName(loss, y, targets);
}
