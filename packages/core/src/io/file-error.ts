/**
 * File-system errors told the way a user can act on them: one line naming the path and the real
 * cause (`ENOTDIR`, `EROFS`, `EISDIR`, `ENOSPC`, `EACCES`, …), never Node's raw message about a
 * temp file. A recursive `mkdir` under a read-only mount or below a file reports `ENOENT`; the
 * real cause is found by walking up to the nearest folder that exists.
 */
import { W_OK } from 'node:constants';
import { accessSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { GradlabError } from '../errors/gradlab-error.js';

/** Plain words for the error codes a user meets when writing results. */
const CAUSES: Record<string, string> = {
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory, expected a file',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

/** The error code of a Node file-system error, if it has one. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** `read-only file system (EROFS)`; Node's own first line for unknown codes. */
export function describeCause(err: unknown): string {
  const code = errorCode(err);
  if (code !== undefined && CAUSES[code] !== undefined) return `${CAUSES[code]} (${code})`;
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n', 1)[0]!;
}

/**
 * Why `path` cannot be created when a write under it failed with `ENOENT` or `ENOTDIR`: the
 * nearest existing ancestor is a file (ENOTDIR) or not writable (EROFS, EACCES).
 */
function diagnoseAncestor(path: string): string | undefined {
  let dir = dirname(path);
  for (;;) {
    try {
      const st = statSync(dir);
      if (!st.isDirectory()) return `${JSON.stringify(dir)} is a file, not a directory (ENOTDIR)`;
      try {
        accessSync(dir, W_OK);
        return undefined;
      } catch (err) {
        return `${JSON.stringify(dir)}: ${describeCause(err)}`;
      }
    } catch (err) {
      if (errorCode(err) === 'ENOTDIR') {
        // keep walking up to the file in the way
      } else if (errorCode(err) !== 'ENOENT') return `${JSON.stringify(dir)}: ${describeCause(err)}`;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function isFile(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A `GradlabError` (`E_IO`) saying, in one line, which path could not be read or written and why.
 * @param verb what was attempted: `write`, `read`, `create`, `lock`
 * @param path the file the user cares about (not a temp file)
 */
export function fileError(verb: string, path: string, err: unknown): GradlabError {
  const code = errorCode(err);
  let cause = describeCause(err);
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EROFS') {
    const found = diagnoseAncestor(path);
    if (found !== undefined) cause = found;
  } else if (code === 'EEXIST' && isFile(path)) {
    cause = 'it is a file, not a directory (ENOTDIR)';
  }
  return new GradlabError('E_IO', `cannot ${verb} ${JSON.stringify(path)}: ${cause}`, { cause: err });
}
