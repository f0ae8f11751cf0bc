#!/usr/bin/env node
// The `gradlab` command. From an installed package it runs the built dist/. In a checkout (where
// src/ exists) it runs the TypeScript sources through tsx, resolving the workspace packages to
// their sources with the `gradlab-source` export condition, so a checkout needs no build step.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const source = new URL('../src/cli/bin.ts', import.meta.url);
if (existsSync(source)) {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    process.stderr.write('gradlab: running from a checkout needs tsx (npx -y pnpm@10 install), or build it (pnpm -r build)\n');
    process.exit(2);
  }
  tsx.register();
  globalThis[Symbol.for('gradlab.tsx-registered')] = true;
  // Registered after tsx, so it runs first and tsx sees the added condition.
  register(new URL('./source-condition.js', import.meta.url));
  await import(source.href);
} else {
  await import(new URL('../dist/cli/bin.js', import.meta.url).href);
}
