import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parseBenchArgs } from '../bench/args.js';
import { DEFAULT_PEER_PYTHON, peerUnavailable } from '../bench/peer.js';
import { blockConfig, sweepBlocks, sweepCells } from '../bench/sweep-cells.js';
import { sweepPeerEnv } from '../bench/sweep.js';

const BENCHMARKS = readFileSync(fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url)), 'utf8');
/** The "Sweep" section of BENCHMARKS.md. */
const sweepSection = () => BENCHMARKS.slice(BENCHMARKS.indexOf('## Sweep'), BENCHMARKS.indexOf('\n## ', BENCHMARKS.indexOf('## Sweep') + 1));

describe('pnpm bench --sweep: options', () => {
  test('--sweep runs on 2 worker processes unless --jobs says otherwise', () => {
    expect(parseBenchArgs(['--sweep'])).toMatchObject({ sweep: true, jobs: 2, peer: false });
    expect(parseBenchArgs(['--sweep', '--jobs', '3', '--peer', '--size', 'tiny'])).toMatchObject({ sweep: true, jobs: 3, peer: true, size: 'tiny' });
    expect(parseBenchArgs(['--jobs=1', '--sweep']).jobs).toBe(1);
  });

  test.each([
    [['--sweep', '--jobs', '0'], /^bench: expected --jobs to be a positive integer, got "0"$/],
    [['--sweep', '--jobs', '1.5'], /^bench: expected --jobs to be a positive integer, got "1.5"$/],
    [['--sweep', '--jobs', 'two'], /^bench: expected --jobs to be a positive integer, got "two"$/],
    [['--sweep', '--jobs'], /^bench: expected a value after --jobs$/],
    [['--sweep=yes'], /^bench: expected --sweep to take no value, got "yes"$/],
    [['--sweep', '--only', 'W1'], /^bench: expected --sweep without --only \(the sweep runs its own cells, see BENCHMARKS.md\), got both$/],
    [['--runs', '5', '--sweep'], /^bench: expected --sweep without --runs \(the sweep runs its own cells, see BENCHMARKS.md\), got both$/],
    [['--sweep', '--profile'], /^bench: expected --sweep without --profile /],
    [['--jobs', '2'], /^bench: expected --jobs only with --sweep, got --jobs alone$/],
  ])('%j is rejected in one line', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('pnpm bench --sweep: the cells', () => {
  const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leaky-relu', 'elu'];
  const INITS = ['standard', 'glorot-uniform', 'he-normal'];

  test('the full sweep is the documented one: 8 seeds of one long-term-memory cell, then 15 depth-gradients cells × 2 seeds', () => {
    const expected = [
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((seed) => ({ experiment: 'long-term-memory', cell: { model: 'lstm', T: 50 }, seed })),
      ...ACTIVATIONS.flatMap((activation) =>
        INITS.flatMap((init) => [1, 2].map((seed) => ({ experiment: 'depth-gradients', cell: { depth: 20, activation, init, variant: 'plain' }, seed }))),
      ),
    ];
    expect(sweepCells('full')).toEqual(expected);
  });

  test('the sizes of the full sweep are those BENCHMARKS.md states', () => {
    const [ltm, depth] = sweepBlocks('full').map(blockConfig);
    expect(ltm).toMatchObject({ hidden: 64, batchSize: 32, iterations: { lstm: 1000 }, evalEvery: 250, testSize: 500, clip: 1, learningRates: { lstm: 1e-2 } });
    expect(depth).toMatchObject({ width: 128, imageSize: 32, trainSize: 2048, batchSize: 64, steps: 10, recordEvery: 10, learningRate: 0.05 });
    const doc = sweepSection();
    expect(doc).toMatch(/\| long-term-memory \| model lstm, T 50 \| 1–8 \| 8 \| hidden 64, batch 32, 1000 Adam steps \(lr 1e-2, clip 1\), evaluated every 250 steps on 500 test sequences \|/);
    expect(doc).toMatch(
      /\| depth-gradients \| depth 20, plain; activation sigmoid, tanh, relu, leaky-relu, elu × init standard, glorot-uniform, he-normal \| 1, 2 \| 30 \| width 128, 32×32 inputs, 2048 training images, batch 64, 10 SGD steps \(lr 0.05\), recorded at steps 0 and 10 \|/,
    );
    expect(doc).toContain(`${sweepCells('full').length} cells in all`);
  });

  test('the tiny sweep (a smoke run, never a measurement) has valid configs of the same experiments', () => {
    expect(sweepBlocks('tiny').map((b) => b.experiment)).toEqual(sweepBlocks('full').map((b) => b.experiment));
    expect(() => sweepBlocks('tiny').map(blockConfig)).not.toThrow();
    expect(sweepCells('tiny').length).toBeGreaterThan(0);
  });

  test('the PyTorch processes run one thread each', () => {
    expect(sweepPeerEnv()).toMatchObject({ OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', OPENBLAS_CORETYPE: 'SkylakeX' });
  });

  test.skipIf(peerUnavailable(DEFAULT_PEER_PYTHON) !== undefined)('the PyTorch peer runs every cell of the tiny sweep', () => {
    const input = JSON.stringify({ blocks: sweepBlocks('tiny').map((b) => ({ experiment: b.experiment, config: blockConfig(b) })), cells: sweepCells('tiny') });
    const script = fileURLToPath(new URL('../bench/sweep_pytorch.py', import.meta.url));
    const r = spawnSync(DEFAULT_PEER_PYTHON, [script, '--jobs', '2'], { input, encoding: 'utf8', env: sweepPeerEnv() });
    expect(r.stderr).toBe('');
    const line = JSON.parse(r.stdout.trim()) as { cells: number; jobs: number };
    expect(line).toMatchObject({ cells: sweepCells('tiny').length, jobs: 2 });
  });
});
