/**
 * The `gradlab` command-line entry point (`pnpm gradlab …`, or `node --import tsx
 * experiments/src/cli.ts …`). A thin shell over `cli/main.ts` and the experiment registry,
 * which worker processes load too; the library never imports it.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from './cli/main.js';
import { EXPERIMENTS } from './registry.js';

const here = fileURLToPath(import.meta.url);
await main(EXPERIMENTS, fileURLToPath(new URL(`./registry${extname(here)}`, import.meta.url)));
