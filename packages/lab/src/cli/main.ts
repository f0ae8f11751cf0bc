/**
 * The process side of `gradlab`: runs `runCli` on `process.argv` and owns the signals — the
 * first SIGINT or SIGTERM stops the run keeping the completed cells (exit 130 / 143), a
 * second one quits at once. Started as a package script (`pnpm gradlab …`), whose runners may
 * be killed without passing the signal on, it also stops as on SIGTERM when one of them is
 * gone (see parent-watch.ts), so it never runs on as an orphan writing into OUT. Used by the `gradlab` bin and by
 * front ends with their own experiments.
 */
import { EXIT_INTERRUPTED, runCli } from './run-cli.js';
import { watchAncestors, watchedAncestors } from './parent-watch.js';
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
  const onSignal = (signal: NodeJS.Signals, why: string = signal) => {
    if (received !== undefined) process.exit(exitCodeOf(signal));
    received = signal;
    process.stderr.write(`\ngradlab: ${why}: stopping; completed cells are kept (send it again to quit at once)\n`);
    controller.abort();
  };
  // A reader that went away (the parent's pipe) must not turn the clean stop into a crash.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  if (process.env['npm_lifecycle_event'] !== undefined) {
    watchAncestors(watchedAncestors(), (pid) => onSignal('SIGTERM', `the process that started it (pid ${pid}) is gone`));
  }
  const code = await runCli(process.argv.slice(2), experiments, {
    stdout: process.stdout,
    stderr: process.stderr,
    workerModule,
    signal: controller.signal,
  });
  process.exitCode = code === EXIT_INTERRUPTED && received !== undefined ? exitCodeOf(received) : code;
}
