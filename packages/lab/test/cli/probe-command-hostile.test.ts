/**
 * `gradlab probe` against hostile files: damaged weight and input files, NaN weights or inputs, a
 * directory given as a file. Each gives exactly one line on stderr and exit code 2 — never an
 * "internal error" with a stack.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeSafetensors, tf } from '@gradlab/core';
import { experimentMap } from '../../src/cli/experiment-map.js';
import { runCli } from '../../src/cli/run-cli.js';
import { FUZZ_SEED, mutate, mutationsArb } from '../../../core/test/io/hostile-bytes.js';

const FIXTURES = fileURLToPath(new URL('../../../rnn/test/fixtures/torch-probe', import.meta.url));
const fx = join(FIXTURES, 'lstm-2layers');
const W = join(fx, 'weights.safetensors');
const X = join(fx, 'input.safetensors');

function capture() {
  const s = { text: '', isTTY: false, columns: 80, write(t: string) { s.text += t; return true; } };
  return s;
}

async function probe(args: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli(['probe', ...args], experimentMap([]), { stdout, stderr, env: {}, cwd: tmpdir() });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('gradlab probe against hostile files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlab-probe-hostile-'));

  test('fuzz: mutated weight and input files end in exit 0 or one line and exit 2, never an internal error', async () => {
    const weights = new Uint8Array(readFileSync(W));
    const input = new Uint8Array(readFileSync(X));
    const out = join(dir, 'out');
    const tally = { cases: 0, ok: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(mutationsArb(2), fc.boolean(), async (ms, damageWeights) => {
        tally.cases++;
        const w = join(dir, 'w.safetensors');
        const x = join(dir, 'x.safetensors');
        writeFileSync(w, damageWeights ? mutate(weights, ms) : weights);
        writeFileSync(x, damageWeights ? input : mutate(input, ms));
        const before = tf.memory().numTensors;
        const r = await probe(['--arch', 'lstm', '--weights', w, '--input', x, '--out', out, '--no-jacobian']);
        expect(tf.memory().numTensors).toBe(before);
        if (r.code === 0) {
          tally.ok++;
          return;
        }
        tally.refused++;
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/^gradlab: /);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      }),
      { seed: FUZZ_SEED, numRuns: 200 },
    );
    expect(tally.cases).toBe(200);
    console.info(`[fuzz] probe on mutated files: ${tally.cases} cases (ran ${tally.ok}, refused ${tally.refused})`);
  });

  test.each([
    [
      'NaN in a weight',
      () => {
        const path = join(dir, 'nan-w.safetensors');
        const bytes = new Uint8Array(readFileSync(W));
        // Overwrite the last float of the data buffer (the last tensor in file order) with NaN.
        new DataView(bytes.buffer).setFloat32(bytes.length - 4, NaN, true);
        writeFileSync(path, bytes);
        return ['--arch', 'lstm', '--weights', path, '--input', X, '--out', dir];
      },
      /^gradlab: .*nan-w\.safetensors: tensor "[^"]+" holds NaN at index \[\d+(, \d+)?\] \(flat index \d+\); expected finite values \(a diverged checkpoint\?\)$/,
    ],
    [
      'Infinity in the input x',
      () => {
        const path = join(dir, 'inf-x.safetensors');
        const x = new Float32Array(4 * 2 * 3);
        x[7] = Infinity;
        writeFileSync(path, encodeSafetensors({ x: { dtype: 'F32', shape: [4, 2, 3], data: x }, y: { dtype: 'F32', shape: [2, 2], data: new Float32Array(4) } }));
        return ['--arch', 'lstm', '--weights', W, '--input', path, '--out', dir];
      },
      /^gradlab: .*inf-x\.safetensors: tensor "x" holds Infinity at index \[1, 0, 1\] \(flat index 7\); expected finite values \(a diverged checkpoint\?\)$/,
    ],
    [
      'a directory as --weights',
      () => {
        const d = join(dir, 'a-dir.safetensors');
        mkdirSync(d, { recursive: true });
        return ['--arch', 'lstm', '--weights', d, '--input', X, '--out', dir];
      },
      /^gradlab: probe: cannot read --weights ".*a-dir\.safetensors": it is a directory, expected a \.safetensors file$/,
    ],
    [
      'a truncated weight file',
      () => {
        const path = join(dir, 'cut.safetensors');
        writeFileSync(path, readFileSync(W).subarray(0, 40));
        return ['--arch', 'lstm', '--weights', path, '--input', X, '--out', dir];
      },
      /^gradlab: .*cut\.safetensors: header length \d+ runs past the end of the file \(40 bytes leave 32 for the header\)$/,
    ],
    [
      'an unknown backend',
      () => ['--arch', 'lstm', '--weights', W, '--input', X, '--out', dir, '--backend', 'cuda'],
      /^gradlab: probe: expected --backend to be one of tensorflow, wasm, cpu, got "cuda"$/,
    ],
  ])('%s: one line, exit 2', async (_what, args, message) => {
    const r = await probe(args());
    expect(r.stderr.trimEnd()).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  test('the message names the file it came from', async () => {
    const path = join(dir, 'garbage.safetensors');
    writeFileSync(path, 'not safetensors at all, just text that is long enough');
    const r = await probe(['--arch', 'lstm', '--weights', W, '--input', path, '--out', dir]);
    expect(r.stderr).toMatch(new RegExp(`^gradlab: ${escape(path)}: header length \\d+ is absurd`));
  });
});
