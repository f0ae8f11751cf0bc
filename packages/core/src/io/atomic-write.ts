/**
 * Atomic file writes: the data goes to a temp file in the target's own directory (so the rename
 * never crosses a file system), is fsync-ed, then renamed over the target. A reader, or a run
 * killed half-way, sees the old file or the new one, never a half-written one; on failure the
 * temp file is removed.
 *
 * Temp names are `.<name>.tmp-<host>-<pid>-<counter>` (matched by the `*.tmp-*` gitignore
 * pattern). A process killed between creating and renaming one (a window of a few system calls)
 * leaves it behind; `removeStaleTempFiles` deletes such leftovers of dead processes on this host
 * and the experiment runner calls it before every run.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { GradlabError } from '../errors/gradlab-error.js';
import { fileError } from './file-error.js';

let counter = 0;
/** Temp files this process has created and not yet renamed or removed. */
const inFlight = new Set<string>();

/** A host name safe inside a file name. */
function hostTag(): string {
  return hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host';
}

function tempPathFor(path: string): string {
  counter += 1;
  return join(dirname(path), `.${basename(path)}.tmp-${hostTag()}-${process.pid}-${counter}`);
}

function ioError(path: string, err: unknown): GradlabError {
  return fileError('write', path, err);
}

/** Removes a temp file after a failure; never throws over the real error (e.g. under a file, ENOTDIR). */
function discardTemp(tmp: string): void {
  try {
    rmSync(tmp, { force: true });
  } catch {
    // the write failed before the temp file could exist
  }
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/**
 * Writes `data` to `path` atomically (temp file in the same directory, fsync, rename). Parent
 * directories are created. Strings are written as UTF-8.
 * @throws GradlabError (code `E_IO`) naming the path when any step fails; the temp file is gone
 * @example await writeFileAtomic('out/run/table.csv', 'a,b\n1,2\n')
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    await mkdir(dirname(path), { recursive: true });
    inFlight.add(tmp);
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(toBytes(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    inFlight.delete(tmp);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    inFlight.delete(tmp);
    throw ioError(path, err);
  }
}

/**
 * Synchronous `writeFileAtomic`: the whole create–write–fsync–rename runs without yielding to
 * the event loop, so no signal handler or other task can observe the temp file.
 * @throws GradlabError (code `E_IO`) naming the path when any step fails; the temp file is gone
 */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  publishStagedSync(stageFileSync(path, data), path);
}

/**
 * The first half of an atomic write, for a set of files that must appear together: writes and
 * fsyncs `data` under a temp name beside `path` and returns that name. Publish it with
 * `publishStagedSync` (a rename) or drop it with `discardStagedSync`.
 * @throws GradlabError (code `E_IO`) naming `path` and the cause; nothing is left behind
 */
export function stageFileSync(path: string, data: string | Uint8Array): string {
  const tmp = tempPathFor(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    inFlight.add(tmp);
    const fd = openSync(tmp, 'wx');
    try {
      const bytes = toBytes(data);
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return tmp;
  } catch (err) {
    discardTemp(tmp);
    inFlight.delete(tmp);
    throw ioError(path, err);
  }
}

/**
 * Renames a file staged by `stageFileSync` over `path`.
 * @throws GradlabError (code `E_IO`) naming `path`; the temp file is removed
 */
export function publishStagedSync(tmp: string, path: string): void {
  try {
    renameSync(tmp, path);
    inFlight.delete(tmp);
  } catch (err) {
    discardStagedSync(tmp);
    throw ioError(path, err);
  }
}

/** Removes a staged temp file (never throws). */
export function discardStagedSync(tmp: string): void {
  discardTemp(tmp);
  inFlight.delete(tmp);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes the temp files left in `dir` (not recursive) by killed writers: those named by this
 * host whose process is gone. Temp files of live processes and of other hosts (e.g. other
 * nodes of a cluster sharing the directory) are left alone. A missing `dir` is fine.
 * @returns the paths removed
 */
export function removeStaleTempFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const marker = `.tmp-${hostTag()}-`;
  const removed: string[] = [];
  for (const name of names) {
    const at = name.lastIndexOf(marker);
    if (!name.startsWith('.') || at < 0) continue;
    const m = /^(\d+)-(\d+)$/.exec(name.slice(at + marker.length));
    if (m === null) continue;
    const path = join(dir, name);
    const pid = Number(m[1]);
    if (inFlight.has(path) || (pid !== process.pid && processAlive(pid))) continue;
    rmSync(path, { force: true });
    removed.push(path);
  }
  return removed;
}
