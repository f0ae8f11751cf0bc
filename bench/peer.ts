/**
 * Runs the PyTorch peer (`bench/peer_pytorch.py`) for one workload in two settings, as the
 * issue measured it: **tuned** — `OPENBLAS_CORETYPE=SkylakeX` (Debian's OpenBLAS 0.3.21 does not
 * recognise this CPU and otherwise falls back to its SSE3 "Prescott" kernels) and
 * `torch.set_num_threads(1)` with OpenBLAS on 2 threads — and **as installed** (no environment,
 * no thread setting). Needs a Python with torch; `peerAvailable` says why not when it is missing.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The interpreter the peer runs with: `GRADLAB_PEER_PYTHON`, else Debian's /usr/bin/python3. */
export const DEFAULT_PEER_PYTHON = process.env['GRADLAB_PEER_PYTHON'] || '/usr/bin/python3';

/** The two settings the peer runs in. */
export const PEER_SETTINGS = ['tuned', 'installed'] as const;
/** A peer setting. */
export type PeerSetting = (typeof PEER_SETTINGS)[number];

/** One JSON line of the peer. */
export interface PeerLine {
  id: string;
  impl: 'pytorch' | 'sklearn';
  setting: PeerSetting;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  runs: number;
  [field: string]: unknown;
}

const SCRIPT = fileURLToPath(new URL('./peer_pytorch.py', import.meta.url));

/** undefined when `python` can import torch; otherwise the reason, in one line. */
export function peerUnavailable(python: string): string | undefined {
  const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.error !== undefined) return `${python} cannot be run (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): install python3-torch python3-sklearn`;
  if (r.status !== 0) return `${python} cannot import torch (apt-get install python3-torch python3-sklearn, or set GRADLAB_PEER_PYTHON)`;
  return undefined;
}

/** The environment of a setting: tuned sets the OpenBLAS core type and threads; installed removes them. */
export function peerEnv(setting: PeerSetting): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']) delete env[k];
  if (setting === 'tuned') {
    env['OPENBLAS_CORETYPE'] = 'SkylakeX';
    env['OPENBLAS_NUM_THREADS'] = '2';
  }
  return env;
}

/**
 * Runs the peer for workload `id` in `setting`; returns its lines (PyTorch, and scikit-learn for W4).
 * @throws Error with the peer's stderr when it fails
 */
export function runPeer(python: string, id: string, setting: PeerSetting, runs: number | undefined): PeerLine[] {
  const args = [SCRIPT, '--only', id, '--setting', setting, ...(setting === 'tuned' ? ['--threads', '1'] : []), ...(runs ? ['--runs', String(runs)] : [])];
  const r = spawnSync(python, args, { encoding: 'utf8', env: peerEnv(setting), maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`peer_pytorch.py ${id} (${setting}) failed: ${(r.stderr || String(r.error)).trim().split('\n').slice(-3).join(' | ')}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as PeerLine);
}
