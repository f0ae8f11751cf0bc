/**
 * Experiments from a module a user names: `gradlab run ./my-experiment.ts`, the experiments a
 * project declares in its package.json (`"gradlab": { "experiments": "./registry.ts" }`), and
 * the module the worker processes load. A module's experiments are the values made by
 * `defineExperiment` among its exports, directly or inside an exported `Map` or array (a
 * registry), in export order, each once.
 *
 * TypeScript modules (.ts, .mts, .cts) need tsx: when this process has no TypeScript loader,
 * tsx is registered from the module's own project (it is a peer dependency, never bundled).
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ExperimentError, ValidationError } from '@gradlab/core';
import { isExperiment, type AnyExperimentDefinition } from './define-experiment.js';
import { isTypeScriptPath, markTsxRegistered, tsxActiveHere } from './typescript-loader.js';

/** File extensions an experiment module may have. */
export const EXPERIMENT_MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;

/** What `loadExperimentModule` found. */
export interface ExperimentModule {
  /** Absolute path of the module (what worker processes load). */
  path: string;
  /** Its experiments, in export order. */
  experiments: AnyExperimentDefinition[];
}

/** The experiments among a module's exports (see the file comment), each once. */
export function experimentsIn(exports: Record<string, unknown>): AnyExperimentDefinition[] {
  const found: AnyExperimentDefinition[] = [];
  const add = (v: unknown) => {
    if (isExperiment(v) && !found.includes(v)) found.push(v);
  };
  for (const value of Object.values(exports)) {
    add(value);
    if (value instanceof Map) for (const v of value.values()) add(v);
    if (Array.isArray(value)) for (const v of value) add(v);
  }
  return found;
}

/** Registers tsx's loader in this process unless a TypeScript loader is already active. */
async function ensureTypeScript(path: string): Promise<void> {
  if (tsxActiveHere()) return;
  let api: { register: () => unknown };
  try {
    api = (await import('tsx/esm/api')) as typeof api;
  } catch {
    // Not next to this package: the experiment's own project may have it.
    try {
      const dir = dirname(createRequire(path).resolve('tsx/package.json'));
      api = (await import(pathToFileURL(join(dir, 'dist', 'esm', 'api', 'index.mjs')).href)) as typeof api;
    } catch {
      throw new ExperimentError(`${path}: a TypeScript experiment needs tsx, which this project does not have`, {
        hint: 'npm install -D tsx, or write the experiment as .mjs',
      });
    }
  }
  api.register();
  markTsxRegistered();
}

/**
 * Imports a module and returns its experiments.
 * @param file path of the module, relative to `cwd`
 * @param options.exactlyOne require exactly one experiment (`gradlab run PATH`)
 * @throws ValidationError when the file is missing, not a module, or exports no experiment (or
 *   more than one with `exactlyOne`), naming what it found; ExperimentError when importing it throws
 */
export async function loadExperimentModule(
  file: string,
  options: { cwd?: string; exactlyOne?: boolean } = {},
): Promise<ExperimentModule> {
  if (typeof file !== 'string' || file === '') throw new ValidationError(`experiment module: expected a file path, got ${JSON.stringify(file)}`);
  const path = resolve(options.cwd ?? process.cwd(), file);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new ValidationError(`${file}: no such file (expected an experiment module: ${EXPERIMENT_MODULE_EXTENSIONS.join(', ')})`);
  }
  const ext = extname(path);
  if (!(EXPERIMENT_MODULE_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new ValidationError(`${file}: expected a module ending in ${EXPERIMENT_MODULE_EXTENSIONS.join(', ')}, got "${ext}"`);
  }
  if (isTypeScriptPath(path)) await ensureTypeScript(path);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new ExperimentError(`${file}: importing it failed: ${message}`, { cause: err });
  }
  const experiments = experimentsIn(exports);
  const names = Object.keys(exports).sort();
  if (experiments.length === 0) {
    throw new ValidationError(
      `${file}: exports no experiment made with defineExperiment from @gradlab/lab; found ${names.length === 0 ? 'no exports' : `exports ${names.join(', ')}`}`,
    );
  }
  if (options.exactlyOne === true && experiments.length > 1) {
    throw new ValidationError(
      `${file}: exports ${experiments.length} experiments (${experiments.map((d) => d.name).join(', ')}); gradlab run PATH needs a module with exactly one`,
    );
  }
  return { path, experiments };
}
