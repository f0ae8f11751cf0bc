import { describe, expect, test } from 'vitest';
import { tf } from '@gradlab/core';
import { parseBenchArgs } from '../bench/args.js';
import { cd1Flops, mlpFlops, recurrentFlops } from '../bench/flops.js';
import { measure } from '../bench/measure.js';
import { peerEnv, peerUnavailable } from '../bench/peer.js';
import { profileWorkload } from '../bench/profile.js';
import { WORKLOADS } from '../bench/workloads.js';
import { WORKLOAD_IDS } from '../bench/workload.js';

describe('bench workloads at tiny size (smoke: they run, report every field and leak nothing)', () => {
  test.each(WORKLOAD_IDS)('%s', async (id) => {
    const before = tf.memory().numTensors;
    const m = await measure(WORKLOADS[id], 'tiny', 5, 1);
    expect(m.id).toBe(id);
    expect(m.runs).toBe(5);
    expect(m.min_ms).toBeLessThanOrEqual(m.median_ms);
    expect(m.median_ms).toBeLessThanOrEqual(m.max_ms);
    expect(m.flops).toBe(WORKLOADS[id].flops('tiny'));
    expect(m.peak_rss_mb).toBeGreaterThan(0);
    expect(m.tf_tensors_growth).toBe(0);
    expect(m.tf_tensors_left).toBe(0);
    expect(Number.isFinite(m.extra['checksum'] as number)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('W3 reports the memory inside its chunks; the peak grows with the sequence only by its inputs, not by caches', async () => {
    const m = await measure(WORKLOADS.W3, 'tiny', 5, 1);
    const e = m.extra as Record<string, number>;
    expect(e['tensors_in_update_max']).toBe(e['tensors_in_update_min']);
    // tiny: T = 12 against T = 8 (two chunks of k = 4), B = 4, D = 3, one target: 4 more steps of x and y, float32.
    expect((e['peak_mb_T12']! - e['peak_mb_T8']!) * 2 ** 20).toBe(4 * 4 * (3 + 1) * 4);
  });

  test('a kernel profile counts the kernels of one run', async () => {
    const p = await profileWorkload(WORKLOADS.W1, 'tiny', 1);
    expect(p.kernels).toBe(p.top.reduce((n, k) => n + k.count, 0));
    expect(p.top.map((k) => k.kernel)).toContain('BatchMatMul');
  });
});

describe('bench FLOP counts (matrix products only, 2·m·k·n)', () => {
  test('W1 at full size: forward 2·T·B·(D+H)·H, backward twice the recurrent and once the input products', () => {
    const f = recurrentFlops({ gates: 1, steps: 100, batch: 32, input: 8, hidden: 128, output: 1, lossSteps: 1 });
    expect(f).toBe(2 * 3200 * (8 + 128) * 128 + 2 * 3200 * 128 * 128 * 2 + 2 * 3200 * 128 * 8 + 3 * 2 * 32 * 128);
  });
  test('CD-1 is five products; the MLP has no input gradient for its first layer', () => {
    expect(cd1Flops(100, 784, 500)).toBe(5 * 2 * 100 * 784 * 500);
    expect(mlpFlops(2, [3, 4, 5])).toBe(2 * (2 * 2 * 3 * 4) + 3 * (2 * 2 * 4 * 5));
  });
});

describe('bench options and the peer', () => {
  test('options parse; bad ones name the option, the value and what was expected', () => {
    expect(parseBenchArgs(['--only', 'w1,W4', '--runs=7', '--backend', 'cpu', '--peer']).only).toEqual(['W1', 'W4']);
    expect(() => parseBenchArgs(['--only', 'W7'])).toThrow(/^bench: expected --only to be a comma-separated list of W1, W2, W3, W4, W5, W6, got "W7"$/);
    expect(() => parseBenchArgs(['--runs', '3'])).toThrow(/^bench: expected --runs to be an integer >= 5, got "3"$/);
    expect(() => parseBenchArgs(['--backend', 'gpu'])).toThrow(/^bench: expected --backend to be one of tensorflow, wasm, cpu, got "gpu"$/);
    expect(() => parseBenchArgs(['--fast'])).toThrow(/^bench: unknown option "--fast"; see --help$/);
  });

  test('a missing interpreter gives one clear line instead of a peer run', () => {
    expect(peerUnavailable('/nonexistent/python3')).toMatch(/^\/nonexistent\/python3 cannot be run \(ENOENT\): install python3-torch python3-sklearn$/);
  });

  test('the tuned setting pins the OpenBLAS core type and threads; as installed removes them', () => {
    expect(peerEnv('tuned')['OPENBLAS_CORETYPE']).toBe('SkylakeX');
    expect(peerEnv('tuned')['OPENBLAS_NUM_THREADS']).toBe('2');
    expect(peerEnv('installed')['OPENBLAS_CORETYPE']).toBeUndefined();
  });
});
