/** Command-line options of `pnpm bench` (bench/run.ts). */
import { BACKEND_NAMES, type BackendName } from '@gradlab/core';
import { DEFAULT_PEER_PYTHON } from './peer.js';
import { WORKLOAD_IDS } from './workload.js';
import type { WorkloadId, WorkloadSize } from './workload.js';

/** Parsed options. */
export interface BenchArgs {
  /** Workloads to run, in order (default all). */
  only: WorkloadId[];
  /** Timed runs per workload (default: the workload's own, at least 5). */
  runs: number | undefined;
  /** Forced backend (default: gradlab's resolution). */
  backend: BackendName | undefined;
  /** Also run the PyTorch peer and print ratios. */
  peer: boolean;
  /** Print a kernel profile of one run per workload instead of timings. */
  profile: boolean;
  /** Sizes: 'full' (the benchmark) or 'tiny' (smoke). */
  size: WorkloadSize;
  /** Python interpreter of the peer. */
  python: string;
  /** Run every workload in this process instead of one child process each. */
  inProcess: boolean;
  /** Also time two concurrent W1 processes against two serial ones. */
  parallel: boolean;
  /** Internal: the child process measuring one workload. */
  child: WorkloadId | undefined;
  help: boolean;
}

/** Usage text. */
export const USAGE = `usage: pnpm bench [--only W1,W4] [--runs N] [--backend wasm|cpu|tensorflow] [--peer] [--profile]
                  [--size full|tiny] [--python PATH] [--in-process] [--parallel]
Prints one JSON line per workload (W1-W6, see BENCHMARKS.md).
  --peer      alternate each workload with bench/peer_pytorch.py (tuned and as installed) and add a ratio
  --profile   per-kernel counts and times of one run per workload (tf.profile)
  --parallel  also time two W1 processes at once against two one after the other`;

class ArgError extends Error {}

function ids(value: string): WorkloadId[] {
  const out = value.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
  const bad = out.filter((s) => !(WORKLOAD_IDS as readonly string[]).includes(s));
  if (out.length === 0 || bad.length > 0) throw new ArgError(`bench: expected --only to be a comma-separated list of ${WORKLOAD_IDS.join(', ')}, got ${JSON.stringify(value)}`);
  return out as WorkloadId[];
}

/**
 * Parses argv (without node and script).
 * @throws Error with a one-line message naming the option, the value and what was expected
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const a: BenchArgs = {
    only: [...WORKLOAD_IDS],
    runs: undefined,
    backend: undefined,
    peer: false,
    profile: false,
    size: 'full',
    python: DEFAULT_PEER_PYTHON,
    inProcess: false,
    parallel: false,
    child: undefined,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new ArgError(`bench: expected a value after ${flag}`);
      return v;
    };
    switch (flag) {
      case '--only':
        a.only = ids(value());
        break;
      case '--runs': {
        const v = value();
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 5) throw new ArgError(`bench: expected --runs to be an integer >= 5, got ${JSON.stringify(v)}`);
        a.runs = n;
        break;
      }
      case '--backend': {
        const v = value();
        if (!(BACKEND_NAMES as readonly string[]).includes(v)) throw new ArgError(`bench: expected --backend to be one of ${BACKEND_NAMES.join(', ')}, got ${JSON.stringify(v)}`);
        a.backend = v as BackendName;
        break;
      }
      case '--size': {
        const v = value();
        if (v !== 'full' && v !== 'tiny') throw new ArgError(`bench: expected --size to be full or tiny, got ${JSON.stringify(v)}`);
        a.size = v;
        break;
      }
      case '--python':
        a.python = value();
        break;
      case '--child':
        a.child = ids(value())[0];
        break;
      case '--peer':
        a.peer = true;
        break;
      case '--profile':
        a.profile = true;
        break;
      case '--in-process':
        a.inProcess = true;
        break;
      case '--parallel':
        a.parallel = true;
        break;
      case '--help':
      case '-h':
        a.help = true;
        break;
      default:
        throw new ArgError(`bench: unknown option ${JSON.stringify(arg)}; see --help`);
    }
  }
  return a;
}

export { ArgError };
