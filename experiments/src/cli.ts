/**
 * The `gradlab` command-line entry point (`pnpm gradlab …`, or `node --import tsx
 * experiments/src/cli.ts …`). A thin shell over `cli/run-cli.ts` and the experiment registry;
 * the library never imports it.
 */
import { EXPERIMENTS } from './registry.js';
import { runCli } from './cli/run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), EXPERIMENTS, { stdout: process.stdout, stderr: process.stderr });
