/**
 * Seeded randomness for every stochastic step in gradlab.
 *
 * One `Rng` per run, forked by name: `rng.fork('init/layer3')` derives its stream from the
 * root seed and the fork's path only, never from how many numbers the parent has drawn or
 * which forks were made before, so adding a consumer never shifts the streams of the others.
 * Random tensors are filled in JS from this stream (not by backend random ops), so a seed
 * gives the same numbers on every backend.
 *
 * Generator: Alea (Baagøe), via `seedrandom`; normals by the Box–Muller transform.
 */
import seedrandom from 'seedrandom';
import * as tf from '@tensorflow/tfjs';
import { invalidArgument } from '../errors/gradlab-error.js';

/** Anything accepted as a seed: an integer (0 is a seed like any other) or a string. */
export type Seed = number | string;

function checkSeed(seed: Seed): string {
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) throw invalidArgument('Rng', 'seed', seed, 'a safe integer or a string');
    return `n:${seed}`;
  }
  if (typeof seed !== 'string') throw invalidArgument('Rng', 'seed', seed, 'a safe integer or a string');
  return `s:${seed}`;
}

/** A seeded random stream with named, order-independent forks. */
export class Rng {
  /** The seed this root stream was made from. */
  readonly seed: Seed;
  /** The fork path ('' for the root), e.g. 'init/layer3'. */
  readonly path: string;
  private readonly prng: seedrandom.PRNG;
  private spareNormal: number | undefined;

  constructor(seed: Seed, path = '') {
    const key = checkSeed(seed);
    this.seed = seed;
    this.path = path;
    this.prng = seedrandom.alea(`${key}|${path}`);
  }

  /**
   * A child stream named `name`. Its numbers depend only on the root seed and the full path,
   * so `rng.fork('a').fork('b')` equals `rng.fork('a/b')` and fork order never matters.
   */
  fork(name: string): Rng {
    if (typeof name !== 'string' || name === '') throw invalidArgument('Rng.fork', 'name', name, 'a non-empty string');
    return new Rng(this.seed, this.path === '' ? name : `${this.path}/${name}`);
  }

  /** A uniform double in [0, 1) with 53 bits of randomness. */
  next(): number {
    return this.prng.double();
  }

  /** Uniform in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.prng.double();
  }

  /** Gaussian with the given mean and standard deviation. */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.prng.double();
    const v = this.prng.double();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n < 1) throw invalidArgument('Rng.int', 'n', n, 'a positive integer');
    return Math.floor(this.prng.double() * n);
  }

  /** 1 with probability p, else 0. */
  bernoulli(p: number): 0 | 1 {
    return this.prng.double() < p ? 1 : 0;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    if (!Number.isSafeInteger(n) || n < 0) throw invalidArgument('Rng.permutation', 'n', n, 'a non-negative integer');
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.prng.double() * (i + 1));
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }

  /** n uniform draws in [low, high). */
  uniformArray(n: number, low = 0, high = 1): Float32Array {
    const out = new Float32Array(n);
    const span = high - low;
    for (let i = 0; i < n; i++) out[i] = low + span * this.prng.double();
    return out;
  }

  /** n Gaussian draws. */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** A float32 tensor of uniform draws in [low, high). */
  uniformTensor(shape: number[], low = 0, high = 1): tf.Tensor {
    return tf.tensor(this.uniformArray(sizeOf(shape, 'Rng.uniformTensor'), low, high), shape, 'float32');
  }

  /** A float32 tensor of Gaussian draws. */
  normalTensor(shape: number[], mean = 0, std = 1): tf.Tensor {
    return tf.tensor(this.normalArray(sizeOf(shape, 'Rng.normalTensor'), mean, std), shape, 'float32');
  }

  /**
   * Samples a 0/1 float32 tensor with P(1) = `probs` elementwise (the sampling step of Gibbs
   * chains and masking noise). `probs` is not disposed.
   */
  bernoulliTensor(probs: tf.Tensor): tf.Tensor {
    const u = this.uniformArray(probs.size);
    return tf.tidy(() => tf.cast(tf.less(tf.tensor(u, probs.shape, 'float32'), probs), 'float32'));
  }
}

function sizeOf(shape: number[], where: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw invalidArgument(where, 'shape', shape, 'an array of non-negative integers');
    n *= d;
  }
  return n;
}
