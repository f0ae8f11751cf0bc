import { describe, expect, test } from 'vitest';
import { cellId, cellKey, configHash } from '../../src/experiment/cell-id.js';
import { formatShard, inShard, parseShard, shardFromEnv } from '../../src/experiment/shard.js';

describe('shards', () => {
  test.each([
    ['1/3', { index: 0, count: 3 }],
    ['3/3', { index: 2, count: 3 }],
    [' 2 / 5 ', { index: 1, count: 5 }],
    ['1/1', { index: 0, count: 1 }],
  ])('parseShard(%j) is 1-based on the command line', (text, shard) => {
    expect(parseShard(text)).toEqual(shard);
    expect(formatShard(shard)).toBe(text.replace(/\s/g, ''));
  });

  test.each(['0/3', '4/3', '1/0', 'a/b', '2', '-1/3', '1.5/3'])('parseShard(%j) is rejected', (text) => {
    expect(() => parseShard(text)).toThrow(/--shard: expected i\/n with 1 <= i <= n \(shards are numbered from 1, e.g. 2\/3\), got/);
  });

  test('round-robin: every position is in exactly one shard', () => {
    for (let p = 0; p < 20; p++) {
      expect([0, 1, 2].filter((index) => inShard(p, { index, count: 3 }))).toEqual([p % 3]);
      expect(inShard(p, undefined)).toBe(true);
    }
  });

  test.each([
    [{ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '0' }, { index: 0, count: 3 }],
    [{ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '1' }, { index: 2, count: 3 }],
    [{ SLURM_ARRAY_TASK_ID: '14', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '10', SLURM_ARRAY_TASK_STEP: '2' }, { index: 2, count: 3 }],
    [{}, undefined],
  ])('shardFromEnv(%j) normalises Slurm ids by the array minimum', (env, shard) => {
    expect(shardFromEnv(env)).toEqual(shard);
  });

  test('shardFromEnv rejects a non-contiguous array and tells to pass --shard', () => {
    expect(() => shardFromEnv({ SLURM_ARRAY_TASK_ID: '9', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '1' })).toThrow(
      /Slurm array: cannot derive a shard from SLURM_ARRAY_TASK_ID="9".*pass --shard i\/n explicitly/,
    );
  });
});

describe('cell ids and config hashes', () => {
  test('ids sort the keys, put the seed last and are file-name safe', () => {
    const key = cellKey('t', { depth: 4, activation: 'leaky relu/2', lr: 0.1, residual: true });
    expect(key).toBe('activation=leaky%20relu%2F2,depth=4,lr=0.1,residual=true');
    expect(cellId(key, 3)).toBe(`${key},seed=3`);
    expect(cellId('', 0)).toBe('seed=0');
    expect(cellId('x='.padEnd(400, 'a'), 1).length).toBeLessThanOrEqual(160);
    expect(() => cellKey('t', { seed: 1 })).toThrow(/must not have a "seed" key/);
    expect(() => cellKey('t', { a: [1] })).toThrow(/expected grid cell value a to be a string, number or boolean, got \[1\]/);
  });

  test('the config hash ignores seeds and key order', () => {
    expect(configHash({ a: 1, b: { c: 2, d: 3 }, seeds: [1] })).toBe(configHash({ seeds: [1, 2, 3], b: { d: 3, c: 2 }, a: 1 }));
    expect(configHash({ a: 1 })).not.toBe(configHash({ a: 2 }));
    expect(configHash({ a: 1 })).toMatch(/^[0-9a-f]{16}$/);
  });
});
