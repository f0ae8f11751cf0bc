/**
 * Threaded WebAssembly in Node: a loader for the `tfjs-backend-wasm-threaded-simd` binary that
 * `@tensorflow/tfjs-backend-wasm` 4.22.0 ships but never loads in Node. Written against that
 * exact version (`THREADED_WASM_TFJS_VERSION`) and refused on any other: it reaches into the
 * package's Emscripten glue, whose shape is not an API.
 *
 * Why tfjs alone gives one thread in Node, and what this file does about each reason:
 * 1. `WASM_HAS_MULTITHREAD_SUPPORT` is `false` whenever `IS_NODE` (`src/flags_wasm.ts`,
 *    tensorflow/tfjs#3830), so `init()` loads the single-threaded SIMD binary. Here the
 *    threaded glue (`wasm-out/tfjs-backend-wasm-threaded-simd.js`) is called directly and the
 *    resulting module handed to the package's exported `BackendWasm`.
 * 2. `init()` gives Emscripten a `blob:` URL for the pthread worker script and a `Blob` as
 *    `mainScriptUrlOrBlob`; Node's `Worker` takes neither. Here the worker script (a string the
 *    package exports from `wasm-out/…worker.js`) goes to a temporary file, deleted once every
 *    worker has loaded it, and the main script is the glue file on disk.
 * 3. The thread count was capped to 1 by the C++ side, not by Emscripten: `src/cc/backend.cc`
 *    sets `num_cores = emscripten_num_logical_cores() / 2` in a static initialiser (run when the
 *    module is instantiated, halving for hyper-threading) and `init_with_threads_count(n)` asks
 *    `pthreadpool_create(min(max(n, 1), 8, num_cores))`. On a 2-core machine that is
 *    `pthreadpool_create(1)`, which starts no thread, so `pthread_create` is never called and
 *    Emscripten's pool of 8 workers (`PTHREAD_POOL_SIZE=8`) stays idle whatever count is set.
 *    Here the `emscripten_num_logical_cores` import answers `2 · threads` for the main thread's
 *    instance, so `num_cores = threads` and the pool gets exactly the requested count.
 * 4. Emscripten `ref()`s a Node `Worker` while it runs a pthread, and pthreadpool's threads live
 *    until the pool is destroyed, so a process that never disposes the backend would never exit.
 *    Here those workers are `unref()`ed once the pool is up; they need no event loop (they wait
 *    on futexes in shared memory).
 *
 * Threads change no arithmetic: the kernels that use the pool (XNNPACK matmul, element-wise,
 * softmax) split their outputs into tiles, and each output is still computed by one thread over
 * the whole reduction, in the same order. Reductions (`Sum`, `Max`, …) are plain C++ loops and
 * do not use the pool. `packages/core/test/backend/wasm-threads.test.ts` checks byte identity.
 *
 * Reference: tfjs-backend-wasm 4.22.0 `src/backend_wasm.ts` (`init`), `src/flags_wasm.ts`,
 * `src/cc/backend.cc`; Emscripten's `library_pthread.js` (pool, `runPthread`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { tf } from './tf.js';
import { BackendError } from '../errors/gradlab-error.js';

/** The tfjs-backend-wasm version this loader was written and tested against. */
export const THREADED_WASM_TFJS_VERSION = '4.22.0';
/** Most threads the threaded binary can use: its Emscripten pool has 8 workers (`PTHREAD_POOL_SIZE=8`). */
export const MAX_WASM_THREADS = 8;

/** What this file uses of the Emscripten module (glue of tfjs-backend-wasm 4.22.0). */
interface ThreadedModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  PThread: { runningWorkers: { unref(): void }[]; unusedWorkers: unknown[] };
  tfjs?: Record<string, unknown>;
}
type EmscriptenImports = { env: Record<string, unknown> };
interface FactoryConfig {
  locateFile(path: string, prefix: string): string;
  mainScriptUrlOrBlob: string;
  instantiateWasm(imports: EmscriptenImports, receive: (instance: unknown, module: unknown) => void): object;
  printErr(text: string): void;
  onAbort(what: unknown): void;
}
type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');
/** The slice of the WebAssembly JS API used here (this workspace compiles without the DOM lib). */
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: unknown; module: unknown }> } }).WebAssembly;

const require = createRequire(import.meta.url);
const WASM_PRIORITY = 2; // the priority tfjs-backend-wasm registers 'wasm' with
let originalFactory: (() => tf.KernelBackend | Promise<tf.KernelBackend>) | undefined;
let registeredThreads = 1;
let threadedModule: ThreadedModule | undefined;

/**
 * Throws unless `version` is the tfjs-backend-wasm version this loader was written for.
 * @throws BackendError naming both versions
 */
export function checkThreadedWasmVersion(version: string): void {
  if (version !== THREADED_WASM_TFJS_VERSION) {
    throw new BackendError(
      `threaded wasm: the loader in packages/core/src/backend/wasm-threads.ts is written for @tensorflow/tfjs-backend-wasm ${THREADED_WASM_TFJS_VERSION}, and ${version} is installed; use 1 thread, or re-check the loader against ${version} and update THREADED_WASM_TFJS_VERSION`,
    );
  }
}

function packageDir(): string {
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/** Instantiates the threaded-SIMD module with a pool of `threads` threads (main thread included). */
async function instantiate(threads: number): Promise<ThreadedModule> {
  const dir = packageDir();
  checkThreadedWasmVersion((require(join(dir, 'package.json')) as { version: string }).version);
  if (typeof SharedArrayBuffer !== 'function') throw new BackendError('threaded wasm: this Node has no SharedArrayBuffer, which WebAssembly threads need');
  const gluePath = join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const factory = require(gluePath) as (config: FactoryConfig) => Promise<ThreadedModule>;
  const { wasmWorkerContents } = require(join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const binary = readFileSync(join(dir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm'));
  const scratch = mkdtempSync(join(tmpdir(), 'gradlab-wasm-threads-'));
  const messages: string[] = [];
  try {
    const workerPath = join(scratch, 'pthread-worker.cjs');
    // The package's string holds "\n" escapes that tfjs itself re-escapes before making its Blob.
    writeFileSync(workerPath, wasmWorkerContents.replace(/\n/g, '\\n'));
    let fail: (err: unknown) => void = () => {};
    const failed = new Promise<never>((_, reject) => (fail = reject));
    // onAbort may fire long after loading (a runtime abort): never leave that rejection unhandled.
    failed.catch(() => {});
    const ready = factory({
      locateFile: (path, prefix) => (path.endsWith('.worker.js') ? workerPath : prefix + path),
      mainScriptUrlOrBlob: gluePath,
      instantiateWasm(imports, receive) {
        if (typeof imports.env['emscripten_num_logical_cores'] !== 'function') {
          fail(new Error('the glue no longer imports emscripten_num_logical_cores'));
          return {};
        }
        // backend.cc halves this to get its thread cap (see reason 3 above).
        imports.env['emscripten_num_logical_cores'] = () => 2 * threads;
        WebAssemblyApi.instantiate(binary, imports).then((r) => receive(r.instance, r.module), fail);
        return {};
      },
      printErr: (text) => void (messages.length < 20 && messages.push(text)),
      onAbort: (what) => fail(new Error(`Emscripten aborted: ${String(what)}`)),
    });
    return await Promise.race([ready, failed]);
  } catch (err) {
    const detail = messages.length > 0 ? ` (${messages.join(' | ')})` : '';
    throw new BackendError(`threaded wasm: the threaded-SIMD module cannot load: ${(err as Error).message}${detail}`, { cause: err });
  } finally {
    // Every pool worker has read its script by now: the module resolves only after all 8 load.
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A `BackendWasm` on `module` with `threads` threads, as tfjs's own factory would build it. */
function makeBackend(pkg: WasmPackage, module: ThreadedModule, threads: number): tf.KernelBackend {
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  // The constructor calls init_with_threads_count with the package-level count.
  pkg.setThreadsCount(threads);
  try {
    const backend = new pkg.BackendWasm(module as never);
    for (const worker of module.PThread.runningWorkers) worker.unref(); // reason 4 above
    return backend;
  } finally {
    pkg.setThreadsCount(-1);
  }
}

/**
 * Makes the registered `wasm` backend compute with `threads` threads: 1 restores tfjs's own
 * single-threaded factory; more loads the threaded-SIMD module now (so a failure surfaces here,
 * not as tfjs's silent `setBackend` false) and registers a factory that wraps it. The backend is
 * re-created, so the caller must `tf.setBackend('wasm')` afterwards.
 * @param threads 1 to `MAX_WASM_THREADS`; validated by the caller
 * @throws BackendError when tensors still live on the wasm backend, or the threaded module cannot load
 */
export async function useWasmThreads(threads: number): Promise<void> {
  if (threads === registeredThreads) return;
  const pkg = await import('@tensorflow/tfjs-backend-wasm');
  const live = (tf.engine().registry['wasm'] as { numDataIds(): number } | undefined)?.numDataIds() ?? 0;
  if (live > 0) {
    throw new BackendError(
      `threads: cannot change the wasm backend from ${registeredThreads} to ${threads} threads while ${live} tensors live on it; dispose them first, or choose the thread count before creating tensors`,
    );
  }
  originalFactory ??= tf.findBackendFactory('wasm') ?? undefined;
  if (originalFactory === undefined) throw new BackendError('threads: the wasm backend is not registered; import @tensorflow/tfjs-backend-wasm first');
  const module = threads > 1 ? await instantiate(threads) : undefined;
  tf.removeBackend('wasm'); // disposes the old instance: its pool is destroyed, its workers terminated
  if (module !== undefined) threadedModule = module;
  if (module === undefined) tf.registerBackend('wasm', originalFactory, WASM_PRIORITY);
  else tf.registerBackend('wasm', () => makeBackend(pkg, module, threads), WASM_PRIORITY);
  registeredThreads = threads;
}

/** Thread count the registered `wasm` backend is set up for (1 unless `useWasmThreads` changed it). */
export function wasmThreadsRequested(): number {
  return registeredThreads;
}

/** Threads the active wasm backend's pool reports (`pthreadpool_get_threads_count`). */
export async function wasmThreadsInUse(): Promise<number> {
  return (await import('@tensorflow/tfjs-backend-wasm')).getThreadsCount();
}

/** Emscripten workers of the latest threaded module, running pthreads and idle pool workers; both 0 once it is disposed (tests only). */
export function threadedWasmWorkers(): { running: number; idle: number } {
  if (threadedModule === undefined) return { running: 0, idle: 0 };
  return { running: threadedModule.PThread.runningWorkers.length, idle: threadedModule.PThread.unusedWorkers.length };
}
