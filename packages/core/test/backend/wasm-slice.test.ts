import { describe, expect, test } from 'vitest';
import { Rng, initBackend, tf } from '@gradlab/core';

/** Reference slice by index arithmetic in JS. */
function referenceSlice(data: Float32Array, shape: number[], begin: number[], size: number[]): Float32Array {
  const rank = shape.length;
  const n = size.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const idx = new Array<number>(rank).fill(0);
  for (let e = 0; e < n; e++) {
    let rem = e;
    for (let a = rank - 1; a >= 0; a--) {
      idx[a] = rem % size[a]!;
      rem = Math.floor(rem / size[a]!);
    }
    let flat = 0;
    for (let a = 0; a < rank; a++) flat = flat * shape[a]! + idx[a]! + begin[a]!;
    out[e] = data[flat]!;
  }
  return out;
}

describe('copy-free Slice / Unpack / SplitV kernels on wasm (registered by initBackend)', () => {
  test('registered on wasm: the kernels are replaced and the backend still answers', async () => {
    const info = await initBackend({ backend: 'wasm' });
    expect(info.name).toBe('wasm');
    expect(tf.getKernel('Slice', 'wasm')).toBeDefined();
  });

  test('tf.slice, tf.unstack and tf.split give exactly the elements of the source (200 random shapes, ranks 1-4)', async () => {
    await initBackend({ backend: 'wasm' });
    const rng = new Rng(11);
    const before = tf.memory().numTensors;
    for (let trial = 0; trial < 200; trial++) {
      const rank = 1 + rng.int(4);
      const shape = Array.from({ length: rank }, () => 1 + rng.int(5));
      const n = shape.reduce((a, b) => a * b, 1);
      const data = rng.normalArray(n);
      const x = tf.tensor(data, shape);
      const begin = shape.map((d) => rng.int(d));
      const size = shape.map((d, i) => (rng.uniform() < 0.25 ? -1 : rng.int(d - begin[i]! + 1)));
      const full = size.map((s, i) => (s === -1 ? shape[i]! - begin[i]! : s));
      const y = tf.slice(x, begin, size);
      expect(y.shape).toEqual(full);
      expect(Array.from(y.dataSync())).toEqual(Array.from(referenceSlice(data, shape, begin, full)));
      {
        const axis = rng.int(rank);
        const parts = tf.unstack(x, axis);
        expect(parts).toHaveLength(shape[axis]!);
        const stacked = tf.stack(parts, axis);
        expect(Array.from(stacked.dataSync())).toEqual(Array.from(data));
        const first = Math.floor(shape[axis]! / 2);
        const pieces = tf.split(x, [first, -1], axis);
        expect(pieces[0]!.shape[axis]).toBe(first);
        const joined = tf.concat(pieces, axis);
        expect(Array.from(joined.dataSync())).toEqual(Array.from(data));
        tf.dispose([...parts, ...pieces, stacked, joined]);
      }
      tf.dispose([x, y]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  test('no tensor is leaked by slicing inside tidy; int32, bool and string tensors slice too', async () => {
    await initBackend({ backend: 'wasm' });
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      expect(Array.from(tf.slice(x, [0, 1], [2, 2]).dataSync())).toEqual([2, 3, 5, 6]);
      expect(Array.from(tf.slice(tf.tensor2d([true, false, true, false, true, true], [2, 3], 'bool'), [1, 0], [1, 3]).dataSync())).toEqual([0, 1, 1]);
      expect(tf.unstack(x, 1).map((t) => Array.from(t.dataSync()))).toEqual([[1, 4], [2, 5], [3, 6]]);
      expect(tf.slice(tf.tensor1d(['a', 'b', 'c'], 'string'), [1], [2]).dataSync()).toEqual(['b', 'c']);
    });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
