/**
 * The dependency direction of DESIGN.md: experiments -> lab, rbm, rnn -> core and lab -> core.
 * core imports no other package; rbm and rnn never import each other or lab; lab reaches rnn
 * only from the probe command, which it loads on demand; nothing imports experiments/. Every
 * package an import names is declared in that package's package.json.
 */
import { describe, expect, test } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

/** Bare specifiers imported (statically or dynamically) by a file, as package names. */
function packagesImported(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specs = [...text.matchAll(/(?<![-\w'])(?:from|import)\s*\(?\s*'([^'.\s][^'\s]*)'/g)].map((m) => m[1]!);
  return specs.filter((s) => !s.startsWith('node:')).map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
}

const ALLOWED: Record<string, string[]> = {
  core: [],
  rnn: ['@gradlab/core'],
  rbm: ['@gradlab/core'],
  lab: ['@gradlab/core'],
};

describe('package boundaries', () => {
  test.each(Object.keys(ALLOWED))('%s imports only the gradlab packages below it, and declares what it imports', (pkg) => {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const declared = new Set([...Object.keys(manifest['dependencies'] ?? {}), ...Object.keys(manifest['peerDependencies'] ?? {})]);
    const wrong: string[] = [];
    for (const file of sources(join('packages', pkg, 'src'))) {
      for (const name of packagesImported(file)) {
        const gradlab = name.startsWith('@gradlab/');
        const lazyProbe = pkg === 'lab' && name === '@gradlab/rnn' && file.endsWith('probe-command.ts');
        if (gradlab && !ALLOWED[pkg]!.includes(name) && !lazyProbe) wrong.push(`${file} imports ${name}`);
        if (!declared.has(name) && !(pkg === 'lab' && name === 'tsx')) wrong.push(`${file} imports ${name}, which package.json does not declare`);
      }
    }
    expect(wrong).toEqual([]);
  });

  test('lab loads the probe command (and so @gradlab/rnn) only when `gradlab probe` runs', () => {
    const importers = sources('packages/lab/src').filter((f) => /from '\.\/probe-command\.js'|from '\.\.\/cli\/probe-command\.js'/.test(readFileSync(join(root, f), 'utf8')));
    expect(importers).toEqual([]);
    expect(readFileSync(join(root, 'packages/lab/src/cli/run-cli.ts'), 'utf8')).toContain("await import('./probe-command.js')");
  });

  test('no package imports experiments/', () => {
    const offenders = ['core', 'rnn', 'rbm', 'lab']
      .flatMap((pkg) => sources(join('packages', pkg, 'src')))
      .filter((f) => /experiments\/|@gradlab\/experiments/.test(readFileSync(join(root, f), 'utf8').split('\n').filter((l) => /^\s*(import|export)\b|import\(/.test(l)).join('\n')));
    expect(offenders).toEqual([]);
  });
});
