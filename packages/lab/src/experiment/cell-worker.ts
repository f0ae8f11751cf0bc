/**
 * Entry point of a `CellPool` worker process (forked, never imported). It loads the backend
 * and the module holding the experiment definitions once, then runs the cells the parent
 * sends, one at a time, with the same `runCell` as a serial run, and reports over IPC.
 *
 * A worker whose parent is gone (killed) exits at once rather than compute for nobody.
 */
import { pathToFileURL } from 'node:url';
import { initBackend, type BackendName, GradlabError } from '@gradlab/core';
import { tableNames } from './extra-tables.js';
import { CellsStore } from './cells-store.js';
import type { AnyExperimentDefinition } from './define-experiment.js';
import { experimentsIn } from './experiment-module.js';
import { planCells, type PlannedCell } from './plan-cells.js';
import { runCell } from './run-cell.js';
import type { WorkerReply, WorkerRequest } from './cell-pool-protocol.js';

function send(message: WorkerReply): void {
  if (process.connected) process.send!(message);
}

/** The definition called `name` among a module's exports (see `experimentsIn`). */
function findDefinition(exports: Record<string, unknown>, name: string): AnyExperimentDefinition | undefined {
  return experimentsIn(exports).find((def) => def.name === name);
}

async function main(): Promise<void> {
  const [modulePath, backendName, threads] = process.argv.slice(2);
  process.on('disconnect', () => process.exit(0));
  // Ctrl-C reaches the whole process group; the parent decides and kills the workers itself.
  process.on('SIGINT', () => undefined);
  const backend = await initBackend({ backend: backendName as BackendName, threads: backendName === 'wasm' ? Number(threads) : undefined });
  const exports = (await import(pathToFileURL(modulePath!).href)) as Record<string, unknown>;
  const plans = new Map<string, PlannedCell[]>();
  send({ type: 'ready', backend });

  let queue = Promise.resolve();
  process.on('message', (request: WorkerRequest) => {
    queue = queue.then(async () => {
      const { job } = request;
      try {
        const def = findDefinition(exports, request.name);
        if (def === undefined) throw new Error(`worker: no experiment named ${JSON.stringify(request.name)} is exported by ${modulePath}`);
        let plan = plans.get(request.configHash);
        if (plan === undefined) {
          plan = planCells(def, request.config);
          plans.set(request.configHash, plan);
        }
        const planned = plan[request.position];
        if (planned === undefined || planned.id !== request.cellId) {
          throw new Error(`worker: cell ${request.position} of ${request.name} is ${planned?.id}, expected ${request.cellId}`);
        }
        const outcome = await runCell({
          def,
          config: request.config,
          planned,
          store: new CellsStore(request.outDir, request.configHash, tableNames(def.tables)),
          backend,
          dataDir: request.dataDir,
          failOnNonFinite: request.failOnNonFinite,
          hooks: {
            notice: (message) => send({ type: 'notice', job, message }),
            progress: (fraction) => send({ type: 'progress', job, fraction }),
          },
        });
        send({ type: 'done', job, ...outcome });
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        send({
          type: 'failed',
          job,
          error: {
            message: e.message,
            stack: e.stack,
            code: e instanceof GradlabError ? e.code : undefined,
            hint: e instanceof GradlabError ? e.hint : undefined,
          },
        });
      }
    });
  });
}

main().catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  send({ type: 'fatal', error: { message: e.message, stack: e.stack, code: e instanceof GradlabError ? e.code : undefined, hint: undefined } });
  process.exitCode = 1;
});
