/**
 * ConvAutoencoder's loss and gradients against two references written independently of
 * conv-autoencoder.ts:
 * - float64 JS: the encoder and the transposed convolution by their definitions (the adjoint as
 *   a scatter of every code entry through the kernel), gradients by central differences;
 * - tfjs autodiff through the stock kernels on the cpu backend: tf.conv2d for the encoder and
 *   tf.conv2dTranspose (cropped by the padding) for the decoder, whose kernel gradient
 *   (Conv2DBackpropFilter) tfjs-wasm lacks.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { Rng, initBackend, tf } from '@gradlab/core';
import { ConvAutoencoder } from '../src/index.js';
import type { ConvAutoencoderConfig } from '../src/index.js';

type Act = 'sigmoid' | 'tanh' | 'relu';
type Out = 'sigmoid' | 'linear';
const PHI: Record<Act, (z: number) => number> = { sigmoid: (z) => 1 / (1 + Math.exp(-z)), tanh: Math.tanh, relu: (z) => Math.max(0, z) };
const TF_PHI: Record<Act, (z: tf.Tensor) => tf.Tensor> = { sigmoid: tf.sigmoid, tanh: tf.tanh, relu: tf.relu };

/** [name, input [b, H, W, C], K, kernel, stride, padding] */
const GEOMETRIES: [string, number[], number, number, number, number][] = [
  ['3×3, stride 1, padding 1', [2, 5, 5, 1], 2, 3, 1, 1],
  ['3×3, stride 2, padding 1', [2, 5, 7, 2], 2, 3, 2, 1],
  ['4×4, stride 2, padding 1', [2, 6, 6, 1], 3, 4, 2, 1],
  ['2×2, stride 2, no padding', [1, 4, 6, 2], 2, 2, 2, 0],
  ['3×3, stride 1, no padding', [2, 4, 5, 1], 2, 3, 1, 0],
];

interface Case {
  x: number[];
  xShape: number[];
  w: number[];
  k: number;
  K: number;
  c: number[];
  b: number[];
  stride: number;
  padding: number;
  act: Act;
  out: Out;
}

/** The loss in float64 by the definitions (see the file comment). */
function float64Loss(p: Case, w: number[], c: number[], b: number[]): number {
  const [B, H, W, C] = p.xShape as [number, number, number, number];
  const { k, K, stride: s, padding: pad } = p;
  const oh = (H + 2 * pad - k) / s + 1;
  const ow = (W + 2 * pad - k) / s + 1;
  const widx = (di: number, dj: number, ch: number, kk: number) => ((di * k + dj) * C + ch) * K + kk;
  const xidx = (bb: number, u: number, v: number, ch: number) => ((bb * H + u) * W + v) * C + ch;
  let loss = 0;
  for (let bb = 0; bb < B; bb++) {
    const h = new Float64Array(oh * ow * K);
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let kk = 0; kk < K; kk++) {
          let z = c[kk]!;
          for (let di = 0; di < k; di++)
            for (let dj = 0; dj < k; dj++) {
              const u = i * s + di - pad;
              const v = j * s + dj - pad;
              if (u < 0 || u >= H || v < 0 || v >= W) continue;
              for (let ch = 0; ch < C; ch++) z += p.x[xidx(bb, u, v, ch)]! * w[widx(di, dj, ch, kk)]!;
            }
          h[(i * ow + j) * K + kk] = PHI[p.act](z);
        }
    const y = new Float64Array(H * W * C);
    for (let u = 0; u < H; u++) for (let v = 0; v < W; v++) for (let ch = 0; ch < C; ch++) y[(u * W + v) * C + ch] = b[ch]!;
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let di = 0; di < k; di++)
          for (let dj = 0; dj < k; dj++) {
            const u = i * s + di - pad;
            const v = j * s + dj - pad;
            if (u < 0 || u >= H || v < 0 || v >= W) continue;
            for (let ch = 0; ch < C; ch++) for (let kk = 0; kk < K; kk++) y[(u * W + v) * C + ch]! += h[(i * ow + j) * K + kk]! * w[widx(di, dj, ch, kk)]!;
          }
    for (let u = 0; u < H; u++)
      for (let v = 0; v < W; v++)
        for (let ch = 0; ch < C; ch++) {
          const z = y[(u * W + v) * C + ch]!;
          const t = p.x[xidx(bb, u, v, ch)]!;
          loss += p.out === 'sigmoid' ? Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - t * z : (z - t) ** 2;
        }
  }
  return loss / B;
}

function makeCase(geometry: (typeof GEOMETRIES)[number], act: Act, out: Out): { ae: ConvAutoencoder; x: tf.Tensor; p: Case } {
  const [name, xShape, K, k, stride, padding] = geometry;
  const rng = new Rng(`cae-grad/${name}/${act}/${out}`);
  const config: ConvAutoencoderConfig = { inputShape: xShape.slice(1) as [number, number, number], channels: K, kernelSize: k, stride, padding, activation: act, outputActivation: out };
  const ae = new ConvAutoencoder(config, rng.fork('init'));
  // Non-zero biases so that their gradients and the relu kinks are exercised.
  ae.params.hiddenBias.assign(tf.mul(rng.fork('c').normalTensor([K]), 0.3));
  ae.params.visibleBias.assign(tf.mul(rng.fork('b').normalTensor([xShape[3]!]), 0.3));
  const x = out === 'sigmoid' ? rng.fork('x').uniformTensor(xShape) : rng.fork('x').normalTensor(xShape);
  const p: Case = {
    x: Array.from(x.dataSync()),
    xShape,
    w: Array.from(ae.params.weight.dataSync()),
    k,
    K,
    c: Array.from(ae.params.hiddenBias.dataSync()),
    b: Array.from(ae.params.visibleBias.dataSync()),
    stride,
    padding,
    act,
    out,
  };
  return { ae, x, p };
}

const ACT_OUT: [Act, Out][] = [
  ['sigmoid', 'sigmoid'],
  ['tanh', 'linear'],
  ['relu', 'linear'],
  ['relu', 'sigmoid'],
];
const GRID = GEOMETRIES.flatMap((g) => ACT_OUT.map(([a, o]) => [g[0], a, o, g] as const));

describe('ConvAutoencoder gradients against float64 central differences', () => {
  // Tolerance: the model runs in float32; the reference is float64 with step 1e-5 on the float32
  // parameters (truncation error ~1e-10). Every entry within 1e-4 of the largest |gradient| + 1e-6,
  // the loss within 1e-5 relative. A relu unit whose pre-activation lies within 1e-5 of 0 would
  // break the difference quotient; the seeded cases have none (the assertion would show it).
  test.each(GRID)('%s, %s encoder, %s output', (_, act, out, geometry) => {
    const { ae, x, p } = makeCase(geometry, act, out);
    const g = ae.gradients(x);
    expect(Math.abs(g.loss - float64Loss(p, p.w, p.c, p.b)) / Math.abs(float64Loss(p, p.w, p.c, p.b))).toBeLessThan(1e-5);
    const eps = 1e-5;
    const fd = (vec: number[], which: 'w' | 'c' | 'b') =>
      vec.map((v, i) => {
        const at = (d: number) => {
          const q = { w: p.w, c: p.c, b: p.b };
          q[which] = vec.map((u, j) => (j === i ? v + d : u));
          return float64Loss(p, q.w, q.c, q.b);
        };
        return (at(eps) - at(-eps)) / (2 * eps);
      });
    const pairs: [string, number[]][] = [
      ['weight', fd(p.w, 'w')],
      ['hiddenBias', fd(p.c, 'c')],
      ['visibleBias', fd(p.b, 'b')],
    ];
    for (const [name, ref] of pairs) {
      const ours = Array.from(g.grads[name]!.dataSync());
      const scale = Math.max(...ref.map(Math.abs));
      ours.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(1e-4 * scale + 1e-6));
    }
    g.dispose();
    x.dispose();
    ae.dispose();
  });
});

describe('ConvAutoencoder against tf.conv2dTranspose and tfjs autodiff (cpu, stock kernels)', () => {
  afterAll(async () => {
    await initBackend();
  });

  /** The loss with the stock ops: the decoder is tf.conv2dTranspose ('valid'), cropped by the padding. */
  function stockLoss(p: Case, x: tf.Tensor4D) {
    return (w: tf.Tensor, c: tf.Tensor, b: tf.Tensor): tf.Scalar => {
      const [B, H, W, C] = p.xShape as [number, number, number, number];
      const pad = p.padding;
      const z = tf.add(tf.conv2d(tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]), w as tf.Tensor4D, p.stride, 'valid'), c);
      const h = TF_PHI[p.act](z) as tf.Tensor4D;
      const full = (h.shape[1] - 1) * p.stride + p.k;
      const fullW = (h.shape[2] - 1) * p.stride + p.k;
      const yFull = tf.conv2dTranspose(h, w as tf.Tensor4D, [B, full, fullW, C], p.stride, 'valid');
      const zv = tf.add(tf.slice(yFull, [0, pad, pad, 0], [B, H, W, C]), b);
      const per = p.out === 'sigmoid' ? tf.sub(tf.softplus(zv), tf.mul(x, zv)) : tf.square(tf.sub(zv, x));
      return tf.div(tf.sum(per), B) as tf.Scalar;
    };
  }

  test.each(GRID)('%s, %s encoder, %s output', async (_, act, out, geometry) => {
    await initBackend();
    const { ae, x, p } = makeCase(geometry, act, out);
    const g = ae.gradients(x);
    const ours = ['weight', 'hiddenBias', 'visibleBias'].map((n) => Array.from(g.grads[n]!.dataSync()));
    const recon = Array.from(ae.reconstruct(x).dataSync());
    const loss = g.loss;
    g.dispose();
    x.dispose();
    ae.dispose();

    await initBackend({ backend: 'cpu' });
    const xc = tf.tensor4d(p.x, p.xShape as [number, number, number, number]);
    const params = [tf.tensor4d(p.w, [p.k, p.k, p.xShape[3]!, p.K]), tf.tensor1d(p.c), tf.tensor1d(p.b)];
    const { value, grads } = tf.valueAndGrads(stockLoss(p, xc))(params);
    expect(Math.abs(loss - value.dataSync()[0]!) / Math.abs(value.dataSync()[0]!)).toBeLessThan(1e-5);
    grads.forEach((t, i) => {
      const ref = t.dataSync();
      const scale = Math.max(...Array.from(ref, Math.abs));
      ours[i]!.forEach((v, j) => expect(Math.abs(v - ref[j]!)).toBeLessThan(1e-5 * scale + 1e-7));
    });
    // The reconstruction itself (no loss in between) against the stock decoder.
    const stockRecon = tf.tidy(() => {
      const pad = p.padding;
      const h = TF_PHI[act](tf.add(tf.conv2d(tf.pad(xc, [[0, 0], [pad, pad], [pad, pad], [0, 0]]), params[0] as tf.Tensor4D, p.stride, 'valid'), params[1]!)) as tf.Tensor4D;
      const [B, H, W, C] = p.xShape as [number, number, number, number];
      const yFull = tf.conv2dTranspose(h, params[0] as tf.Tensor4D, [B, (h.shape[1] - 1) * p.stride + p.k, (h.shape[2] - 1) * p.stride + p.k, C], p.stride, 'valid');
      const zv = tf.add(tf.slice(yFull, [0, pad, pad, 0], [B, H, W, C]), params[2]!);
      return out === 'sigmoid' ? tf.sigmoid(zv) : zv;
    });
    stockRecon.dataSync().forEach((v, i) => expect(Math.abs(v - recon[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(v))));
    tf.dispose([xc, value, stockRecon, ...params, ...grads]);
  });
});
