import { expect, test } from 'vitest';
import { execArgvLoadsTsx, isTypeScriptPath } from '../../src/experiment/typescript-loader.js';

test.each([
  [['--import', 'tsx'], true],
  [['--import=tsx'], true],
  [['--import', 'tsx/esm'], true],
  [['--loader', 'tsx'], true],
  [['--import', 'file:///repo/node_modules/tsx/dist/loader.mjs'], true],
  [['--import', 'C:\\repo\\node_modules\\tsx\\dist\\loader.mjs'], true],
  [[], false],
  [['--conditions=gradlab-source'], false],
  [['--import', './my-tsx-demo.mjs'], false],
  [['--import', 'tsx-like'], false],
] as [string[], boolean][])('execArgvLoadsTsx(%j) = %s', (args, loads) => {
  expect(execArgvLoadsTsx(args)).toBe(loads);
});

test('isTypeScriptPath: .ts, .mts and .cts need a loader; .js, .mjs and .cjs do not', () => {
  expect(['a.ts', '/x/b.mts', 'c.cts', 'd.js', 'e.mjs', 'f.cjs', 'g.tsx.js'].map(isTypeScriptPath)).toEqual([true, true, true, false, false, false, false]);
});
