import { describe, expect, test } from 'vitest';
import { defaultThreads } from '../../src/cli/default-threads.js';

const wasm = { name: 'wasm' } as const;

describe('defaultThreads', () => {
  test.each([
    [1, 2, {}, 2],
    [2, 2, {}, 1],
    [3, 2, {}, 1],
    [1, 16, {}, 8],
    [4, 16, {}, 4],
    [1, 1, {}, 1],
    [2, 64, { SLURM_CPUS_PER_TASK: '4' }, 2],
    [1, 64, { SLURM_CPUS_PER_TASK: 'x' }, 8],
  ])('%d jobs on %d cores (env %j): %d threads per process', (jobs, cores, env, expected) => {
    expect(defaultThreads(jobs, wasm, env, cores)).toBe(expected);
  });

  test('keeps the loaded count for GRADLAB_WASM_THREADS and for backends other than wasm', () => {
    expect(defaultThreads(1, wasm, { GRADLAB_WASM_THREADS: '1' }, 2)).toBeUndefined();
    expect(defaultThreads(1, wasm, { GRADLAB_WASM_THREADS: '' }, 2)).toBe(2);
    expect(defaultThreads(1, { name: 'cpu' }, {}, 2)).toBeUndefined();
    expect(defaultThreads(1, { name: 'tensorflow' }, {}, 2)).toBeUndefined();
  });
});
