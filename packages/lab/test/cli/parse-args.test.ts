import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { ValidationError } from '@gradlab/core';
import { parseCliArgs, parseSeeds, RUN_HELP } from '../../src/cli/parse-args.js';

const ctx = { experiments: ['depth-gradients', 'time-gradients'], env: {} };

describe('parseCliArgs', () => {
  test('run with every option', () => {
    const cmd = parseCliArgs(
      ['run', 'depth-gradients', '--quick', '--seeds', '1..3,7', '--backend', 'cpu', '--out', 'o', '--shard', '2/3', '--data', 'd', '--jobs', '3', '--threads', '2', '--fail-on-nonfinite', '--fresh', '--no-wait', '--verbose'],
      ctx,
    );
    expect(cmd).toEqual({
      command: 'run',
      names: ['depth-gradients'],
      module: undefined,
      out: 'o',
      size: 'quick',
      seeds: [1, 2, 3, 7],
      backend: 'cpu',
      outDirs: { 'depth-gradients': 'o' },
      indexDir: undefined,
      shard: { index: 1, count: 3 },
      dataDir: 'd',
      jobs: 3,
      threads: 2,
      failOnNonFinite: true,
      fresh: true,
      wait: false,
      verbose: true,
    });
  });

  test('defaults: full size, results/NAME (full) or out/quick/NAME (quick), GRADLAB_DATA, Slurm shard', () => {
    expect(parseCliArgs(['run', 'time-gradients'], ctx)).toMatchObject({
      size: 'full', outDirs: { 'time-gradients': join('results', 'time-gradients') }, shard: undefined, dataDir: undefined, fresh: false,
      jobs: undefined, threads: undefined, failOnNonFinite: false, wait: true,
    });
    expect(parseCliArgs(['verify'], ctx)).toEqual({ command: 'verify', dir: 'results', verbose: false });
    expect(parseCliArgs(['merge', 'd', '--no-wait'], ctx)).toMatchObject({ command: 'merge', dir: 'd', wait: false });
    expect(parseCliArgs(['run', 'all', '--quick'], ctx)).toMatchObject({
      names: ['depth-gradients', 'time-gradients'],
      outDirs: { 'depth-gradients': join('out', 'quick', 'depth-gradients'), 'time-gradients': join('out', 'quick', 'time-gradients') },
    });
    expect(parseCliArgs(['run', 'all', '--out', 'x'], ctx)).toMatchObject({
      outDirs: { 'depth-gradients': join('x', 'depth-gradients') },
      indexDir: 'x',
    });
    expect(parseCliArgs(['run', 'all'], ctx)).toMatchObject({ indexDir: 'results' });
    const env = { GRADLAB_DATA: '/data', SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_MIN: '1' };
    expect(parseCliArgs(['run', 'time-gradients'], { ...ctx, env })).toMatchObject({ dataDir: '/data', shard: { index: 1, count: 2 } });
  });

  test.each([
    [[], 'help'],
    [['--help'], 'help'],
    [['list'], 'list'],
    [['merge', 'results/x'], 'merge'],
    [['run', '--help'], 'help'],
    [['help', 'merge'], 'help'],
  ])('%j is a %s command', (argv, command) => {
    expect(parseCliArgs(argv, ctx).command).toBe(command);
  });

  test('the last of --quick and --full wins (pnpm experiments --full)', () => {
    expect(parseCliArgs(['run', 'all', '--quick', '--full'], ctx)).toMatchObject({ size: 'full', indexDir: 'results' });
    expect(parseCliArgs(['run', 'all', '--full', '--quick'], ctx)).toMatchObject({ size: 'quick' });
  });

  test('run --help prints the run options', () => {
    expect(parseCliArgs(['run', '-h'], ctx)).toEqual({ command: 'help', text: RUN_HELP });
    expect(RUN_HELP).toMatch(/--shard i\/n/);
  });

  test.each([
    [['run', 'nope'], /run: unknown experiment "nope"; expected one of depth-gradients, time-gradients, all/],
    [['run', 'depth-gradients', '--fast'], /run: unknown option --fast; valid options: --quick, --full, --seeds, --backend, --out, --shard, --data, --jobs, --threads, --fail-on-nonfinite, --fresh, --no-wait, --verbose, --help/],
    [['run', 'depth-gradients', '--seeds'], /run: option --seeds needs a value/],
    [['run', 'depth-gradients', '--seeds', '3..1'], /--seeds: expected integers or ranges like 1,2,3 or 1..10, got "3..1"/],
    [['run', 'depth-gradients', '--seeds', '1,x'], /--seeds: .*got "x" \(not an integer\)/],
    [['run', 'depth-gradients', '--seeds', '1,1'], /--seeds: seed 1 is listed twice/],
    [['run', 'depth-gradients', '--backend', 'gpu'], /--backend: expected one of tensorflow, wasm, cpu, got "gpu"/],
    [['run', 'depth-gradients', '--shard', '0/3'], /--shard: expected i\/n with 1 <= i <= n/],
    [['run', 'depth-gradients', '--jobs', '0'], /^--jobs: expected a whole number of worker processes from 1 to 256, got "0"$/],
    [['run', 'depth-gradients', '--jobs', 'two'], /^--jobs: expected a whole number of worker processes from 1 to 256, got "two"$/],
    [['run', 'depth-gradients', '--jobs', '1.5'], /^--jobs: expected a whole number of worker processes from 1 to 256, got "1.5"$/],
    [['run', 'depth-gradients', '--threads', '0'], /^--threads: expected a whole number of wasm threads per process from 1 to 8, got "0"$/],
    [['run', 'depth-gradients', '--threads', '9'], /^--threads: expected a whole number of wasm threads per process from 1 to 8, got "9"$/],
    [['run', 'depth-gradients', '--threads', 'all'], /^--threads: expected a whole number of wasm threads per process from 1 to 8, got "all"$/],
    [['run'], /run: expected an experiment name or "all"; one of depth-gradients, time-gradients, all/],
    [['merge'], /merge: expected a folder and optionally a module/],
    [['frobnicate'], /^unknown command "frobnicate"; expected one of list, run, merge, verify, index, help/],
    [['--verbose'], /^unknown option --verbose; expected one of list, run, merge, verify, index, help/],
    [['list', '--all'], /list: unknown option --all; valid options: --verbose, --help/],
  ])('%j is rejected: %s', (argv, message) => {
    expect(() => parseCliArgs(argv, ctx)).toThrow(ValidationError);
    expect(() => parseCliArgs(argv, ctx)).toThrow(message);
  });

  test('parseSeeds', () => {
    expect(parseSeeds('5')).toEqual([5]);
    expect(parseSeeds('0..2, 10')).toEqual([0, 1, 2, 10]);
    expect(() => parseSeeds('1..100000')).toThrow(/more than 10000 seeds/);
  });
});
