/**
 * The README's promises: its examples are the files in examples/ verbatim (and those are
 * typechecked by `pnpm typecheck` and run here), and its test command is what CI runs.
 */
import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');
const examples = readdirSync(`${root}examples`).filter((f) => f.endsWith('.ts'));

describe('README', () => {
  test('the test command in the README is exactly the one .ci/run runs', () => {
    const command = 'npx -y pnpm@10 install --frozen-lockfile && npx -y pnpm@10 test';
    expect(readme).toContain(command);
    expect(readFileSync(`${root}.ci/run`, 'utf8')).toContain(command);
    expect(readme).toContain('npx -y pnpm@10 install --frozen-lockfile && npx -y pnpm@10 experiments');
  });

  test('docs/library.md quotes the consumer project\'s main.mjs (which the consumer test runs) verbatim', () => {
    const doc = readFileSync(`${root}docs/library.md`, 'utf8');
    expect(doc).toContain(readFileSync(`${root}tests/consumer/project/main.mjs`, 'utf8').trimEnd());
  });

  test.each(['README.md', 'results/README.md', 'docs/library.md', 'packages/lab/README.md', 'packages/rnn/README.md'])('every relative link and image of %s exists', (doc) => {
    const text = readFileSync(join(root, doc), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t));
    expect(targets.length).toBeGreaterThan(0);
    expect(targets.filter((t) => !existsSync(resolve(dirname(join(root, doc)), decodeURIComponent(t))))).toEqual([]);
  });

  test.each(examples.map((f) => [f]))('examples/%s appears verbatim and runs', (file) => {
    const source = readFileSync(`${root}examples/${file}`, 'utf8').trimEnd();
    expect(readme).toContain(source);
    const out = execFileSync(process.execPath, ['--import', 'tsx', `examples/${file}`], { cwd: root, encoding: 'utf8' });
    expect(out.length).toBeGreaterThan(0);
    expect(out).not.toMatch(/NaN/);
  });
});
