/**
 * The experiments a project declares for the `gradlab` command: the nearest package.json at or
 * above the working directory with a `"gradlab": { "experiments": "./path/to/registry.ts" }`
 * field names a module whose exported experiments `gradlab list` shows and `gradlab run NAME`
 * runs (gradlab's own checkout declares its built-in ones this way). Without one, the command
 * knows no experiments by name and runs modules given by path.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FileFormatError } from '@gradlab/core';

/** Where a project declares its experiments module. */
export interface ProjectExperiments {
  /** The package.json that declares it. */
  packageJson: string;
  /** Absolute path of the module. */
  module: string;
}

/**
 * Finds the declaration (see the file comment).
 * @returns undefined when no package.json at or above `cwd` declares one
 * @throws FileFormatError when the nearest declaring package.json is not JSON or the field is not a path
 */
export function findProjectExperiments(cwd: string): ProjectExperiments | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      if (text.includes('"gradlab"')) {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch (err) {
          throw new FileFormatError(`${file}: not valid JSON (${(err as Error).message})`);
        }
        const field = (json as { gradlab?: { experiments?: unknown } }).gradlab?.experiments;
        if (field !== undefined) {
          if (typeof field !== 'string' || field === '') {
            throw new FileFormatError(`${file}: expected "gradlab.experiments" to be the path of a module, got ${JSON.stringify(field)}`);
          }
          return { packageJson: file, module: resolve(dir, field) };
        }
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}
