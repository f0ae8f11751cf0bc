/**
 * The process side of `gradlab`: runs `runCli` on `process.argv` and owns the signals — the
 * first SIGINT or SIGTERM stops the run keeping the completed cells (exit 130 / 143), a
 * second one quits at once. Used by the `gradlab` bin and by front ends with their own experiments.
 */
import { EXIT_INTERRUPTED, runCli } from './run-cli.js';
import type { ExperimentMap } from './experiment-map.js';

const exitCodeOf = (signal: NodeJS.Signals) => (signal === 'SIGTERM' ? 143 : EXIT_INTERRUPTED);

/**
 * Runs the command line of this process and sets `process.exitCode`.
 * @param experiments the experiments it knows by name; default: those the project's package.json
 *   declares (see `project-experiments.ts`), else none (modules are then run by path)
 * @param workerModule absolute path of a module exporting `experiments`, for worker processes
 */
export async function main(experiments?: ExperimentMap, workerModule?: string): Promise<void> {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received !== undefined) process.exit(exitCodeOf(signal));
    received = signal;
    process.stderr.write(`\ngradlab: ${signal}: stopping; completed cells are kept (send it again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await runCli(process.argv.slice(2), experiments, {
    stdout: process.stdout,
    stderr: process.stderr,
    workerModule,
    signal: controller.signal,
  });
  process.exitCode = code === EXIT_INTERRUPTED && received !== undefined ? exitCodeOf(received) : code;
}
