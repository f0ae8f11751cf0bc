#!/usr/bin/env node
// Writes installable tarballs of the published packages to out/packages/ (or the folder given):
// each is built by its `prepack` script (dist/: ESM JS, .d.ts, source maps), and `pnpm pack`
// replaces `workspace:*` with the version. Packed in dependency order, so each build finds the
// dist/ of what it depends on. Usage: npx -y pnpm@10 run pack-packages [-- OUT_DIR]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = resolve(root, process.argv[2] ?? 'out/packages');
const PACKAGES = ['core', 'rnn', 'rbm', 'lab'];

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const pnpm = process.env.npm_execpath?.includes('pnpm') ? [process.execPath, process.env.npm_execpath] : ['npx', '-y', 'pnpm@10'];
for (const name of PACKAGES) {
  const dir = join(root, 'packages', name);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  execFileSync(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', out], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}
for (const file of readdirSync(out).sort()) console.log(join(out, file));
