/**
 * One writer per results folder: an unsharded run, and the assembly of a sharded one (`merge`),
 * hold `OUT/.gradlab.lock` while they write. The lock file holds the holder's pid, host, start
 * time and command; it is published with `link`, which fails when the file exists, so two
 * writers can never both hold it. A lock left by a process that is gone (same host, dead pid) is
 * taken over, saying so; a live holder is waited for (with a message naming it) or, without
 * waiting, reported in one line. Sharded runs (Slurm tasks) write their own cells concurrently
 * and take no lock: only assembly is exclusive.
 */
import { linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ExperimentError, InterruptedError, errorCode, fileError, writeFileAtomicSync } from '@gradlab/core';

/** Name of the lock file inside a results folder. */
export const LOCK_FILE = '.gradlab.lock';
/** How often a waiting writer looks at the lock again, in milliseconds. */
export const LOCK_POLL_MS = 300;

/** What a lock file says about its holder. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO 8601 time the lock was taken. */
  started: string;
  /** What holds it, e.g. `run depth-gradients`. */
  command: string;
}

/** Options of `lockOutDir`. */
export interface LockOptions {
  /** What is taking the lock, for the holder line of others (`run depth-gradients`, `merge`). */
  command: string;
  /** Wait for a live holder (default true); false refuses at once. */
  wait?: boolean | undefined;
  /** Stops waiting (throws an `InterruptedError`). */
  signal?: AbortSignal | undefined;
  /** Told once when waiting starts and when a stale lock is taken over. */
  onMessage?: ((message: string) => void) | undefined;
}

/** A held lock. */
export interface OutLock {
  /** The lock file. */
  readonly path: string;
  /** Removes the lock file if it is still this holder's (idempotent). */
  release(): void;
}

const held = new Set<string>();
let exitHookInstalled = false;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return errorCode(err) === 'ENOENT' ? 'gone' : 'unreadable';
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    if (Number.isSafeInteger(h.pid) && typeof h.host === 'string' && typeof h.started === 'string') {
      return { pid: h.pid, host: h.host, started: h.started, command: typeof h.command === 'string' ? h.command : 'gradlab' };
    }
  } catch {
    // fall through
  }
  return 'unreadable';
}

/** `pid 123 on host n1 (gradlab run x, since 2026-…)`. */
export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on host ${h.host} (gradlab ${h.command}, since ${h.started})`;
}

const sameHolder = (a: LockHolder, b: LockHolder) => a.pid === b.pid && a.host === b.host && a.started === b.started;

/**
 * Moves a stale lock out of the way. Another process may have replaced it in between; then its
 * file is put back and false returned.
 */
function takeOver(path: string, stale: LockHolder | 'unreadable'): boolean {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return true;
    throw fileError('take over the lock', path, err);
  }
  const moved = readHolder(aside);
  if (stale !== 'unreadable' && typeof moved === 'object' && !sameHolder(moved, stale)) {
    try {
      linkSync(aside, path);
    } catch {
      // a third writer took it meanwhile; it holds it now
    }
    rmSync(aside, { force: true });
    return false;
  }
  rmSync(aside, { force: true });
  return true;
}

/** Removes the side files (`.gradlab.lock.<host>-<pid>`, `.gradlab.lock.stale-<pid>`) of killed lockers on this host. */
function removeDeadSideFiles(outDir: string, host: string): void {
  let names: string[];
  try {
    names = readdirSync(outDir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.gradlab\.lock\.(?:(.+)-|stale-)(\d+)$/.exec(name);
    if (m === null || (m[1] !== undefined && m[1] !== host)) continue;
    const pid = Number(m[2]);
    if (pid !== process.pid && !processAlive(pid)) rmSync(join(outDir, name), { force: true });
  }
}

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Takes the lock on a results folder (created if missing), waiting for a live holder.
 * @throws ExperimentError naming the holder when it is held and `wait` is false;
 *   InterruptedError when `signal` aborts while waiting; GradlabError `E_IO` naming the path
 *   when the folder or the lock file cannot be written
 */
export async function lockOutDir(outDir: string, options: LockOptions): Promise<OutLock> {
  const path = join(outDir, LOCK_FILE);
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    throw fileError('create', outDir, err);
  }
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command: options.command };
  const hostTag = me.host.replace(/[^A-Za-z0-9.]/g, '_');
  const mine = `${path}.${hostTag}-${me.pid}`;
  removeDeadSideFiles(outDir, hostTag);
  try {
    writeFileAtomicSync(mine, `${JSON.stringify(me)}\n`);
  } catch (err) {
    throw fileError('write into', outDir, (err as Error).cause ?? err);
  }
  let waitingFor = '';
  try {
    for (;;) {
      try {
        linkSync(mine, path);
        break;
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') throw fileError('lock', path, err);
      }
      const holder = readHolder(path);
      if (holder === 'gone') continue;
      if (holder === 'unreadable') {
        if (takeOver(path, holder)) options.onMessage?.(`taking over ${JSON.stringify(path)}, a lock file that cannot be read`);
        continue;
      }
      if (holder.host === me.host && holder.pid !== process.pid && !processAlive(holder.pid)) {
        if (takeOver(path, holder)) options.onMessage?.(`taking over the stale lock of ${describeHolder(holder)}: that process is gone`);
        continue;
      }
      if (options.wait === false) {
        throw new ExperimentError(`${JSON.stringify(outDir)} is being written by ${describeHolder(holder)}; not waiting (--no-wait)`, {
          hint: `wait for it, or remove ${JSON.stringify(path)} if that process is gone`,
        });
      }
      if (options.signal?.aborted === true) {
        throw new InterruptedError(`interrupted while waiting for ${describeHolder(holder)} to finish writing ${JSON.stringify(outDir)}; nothing was written`);
      }
      if (waitingFor !== describeHolder(holder)) {
        waitingFor = describeHolder(holder);
        options.onMessage?.(`waiting for ${waitingFor}, which is writing ${JSON.stringify(outDir)}`);
      }
      await sleep(LOCK_POLL_MS, options.signal);
    }
  } finally {
    rmSync(mine, { force: true });
  }
  held.add(path);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A process that exits while holding a lock (e.g. a second Ctrl-C) leaves no stale file.
    process.on('exit', () => {
      for (const p of held) releaseIfMine(p, process.pid);
    });
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      held.delete(path);
      releaseIfMine(path, me.pid);
    },
  };
}

function releaseIfMine(path: string, pid: number): void {
  const holder = readHolder(path);
  if (typeof holder === 'object' && holder.pid === pid && holder.host === hostname()) rmSync(path, { force: true });
}
