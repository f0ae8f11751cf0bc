/**
 * Stopping when the process that started gradlab is gone. A package script runs gradlab below
 * a chain of processes (`npx` → `sh` → `pnpm` → `sh` → `gradlab`); killing one of them with
 * SIGTERM passes nothing on, and gradlab would run on as an orphan writing into OUT. So a
 * package-script run watches its ancestors in its own process group (the chain the user's
 * shell started as one job; the shell itself is outside it) and stops, as on SIGTERM, when one
 * exits. Ancestors are read from /proc on Linux; elsewhere only the parent is watched.
 */
import { readFileSync } from 'node:fs';
import { errorCode } from '@gradlab/core';

/** How often the ancestors are checked, in milliseconds. */
export const ANCESTOR_POLL_MS = 500;

/** `[ppid, pgrp]` of a process from /proc, or undefined off Linux. */
function procStat(pid: number | 'self'): [number, number] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields follow the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return [Number(fields[1]), Number(fields[2])];
  } catch {
    return undefined;
  }
}

/** This process's parent and the ancestors above it in the same process group. */
export function watchedAncestors(): number[] {
  const self = procStat('self');
  if (self === undefined) return process.ppid > 1 ? [process.ppid] : [];
  const [parent, group] = self;
  const out: number[] = [];
  let pid = parent;
  while (pid > 1 && out.length < 32) {
    out.push(pid);
    const st = procStat(pid);
    if (st === undefined || st[1] !== group) break;
    pid = st[0];
  }
  // The last one pushed may lie outside the group (the shell of the job): keep only group members, and the parent.
  return out.filter((p, i) => i === 0 || procStat(p)?.[1] === group);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errorCode(err) !== 'ESRCH';
  }
};

/** Calls `onGone` once, when one of `pids` has exited (polled; the timer keeps nothing alive). */
export function watchAncestors(pids: readonly number[], onGone: (pid: number) => void): void {
  if (pids.length === 0) return;
  const timer = setInterval(() => {
    const gone = pids.find((p) => !alive(p));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, ANCESTOR_POLL_MS);
  timer.unref();
}
