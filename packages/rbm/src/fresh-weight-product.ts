/**
 * x·W for a weight matrix W that training has just replaced, written as (Wᵀ·xᵀ)ᵀ on the wasm
 * backend. tfjs-wasm hands a product's right operand to XNNPACK, which packs it (a copy of all
 * its V·H floats) once per tensor and caches the packing until the tensor is freed; after every
 * update W is a new tensor, so `v·W` repacks W (and `h·Wᵀ` first makes and then packs a fresh
 * Wᵀ). In the transposed form the right operand is the small xᵀ [K, batch] instead, and W is
 * read in place. Each output element is the same sum of the same products in the same order
 * (XNNPACK's f32 GEMM accumulates over K in order and has no FMA in WebAssembly SIMD128), so the
 * bits do not change: tested in packages/rbm/test/fresh-weight-product.test.ts, and the quick
 * CSVs of rbm-likelihood, pretraining and deep-autoencoder are byte-identical. Measured with
 * bench/rbm-products.ts on a loaded machine (indicative): the three products of a CD-1 chain on
 * a 784×500 RBM, batch 100, take ~19% less CPU time (see BENCHMARKS.md).
 *
 * Other backends keep the plain product: without packing, the two transposes only cost.
 */
import { tf } from '@gradlab/core';

/**
 * x·W, where W is one of the model's weights (or its cached transpose).
 * @param x [batch, K]
 * @param w makes or returns W [K, N] (called on every backend but wasm)
 * @param wT makes or returns Wᵀ [N, K] (called on wasm only)
 * @returns [batch, N]; call inside `tf.tidy`
 */
export function timesWeight(x: tf.Tensor2D, w: () => tf.Tensor2D, wT: () => tf.Tensor2D): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(x, w());
  return tf.transpose(tf.matMul(wT(), tf.transpose(x))) as tf.Tensor2D;
}
