/**
 * A name → definition map of experiments, in the order `gradlab list` and `gradlab run all`
 * use. Built by `registry.ts` from its list; tests build their own from tiny experiments.
 */
import { ExperimentError } from '@gradlab/core';
import type { AnyExperimentDefinition } from '../experiment/define-experiment.js';

/** Experiments by name, in declaration order. */
export type ExperimentMap = ReadonlyMap<string, AnyExperimentDefinition>;

/**
 * Builds the map.
 * @throws ExperimentError when two experiments share a name
 */
export function experimentMap(definitions: readonly AnyExperimentDefinition[]): ExperimentMap {
  const map = new Map<string, AnyExperimentDefinition>();
  for (const def of definitions) {
    if (map.has(def.name)) throw new ExperimentError(`registry: two experiments are named "${def.name}"`);
    map.set(def.name, def);
  }
  return map;
}

/**
 * The experiment called `name`.
 * @throws ExperimentError naming it and listing the valid names
 */
export function findExperiment(experiments: ExperimentMap, name: string): AnyExperimentDefinition {
  const def = experiments.get(name);
  if (def !== undefined) return def;
  const known = [...experiments.keys()];
  throw new ExperimentError(
    `unknown experiment ${JSON.stringify(name)}; expected ${known.length === 0 ? 'none is registered yet' : `one of ${known.join(', ')}`}`,
  );
}
