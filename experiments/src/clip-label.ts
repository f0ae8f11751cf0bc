/**
 * The `clip` column of exploding-clipping: which clipping a run used, written so that the CSV
 * says it in words. Its own module because the experiment and its finding both read it.
 */
import { ValidationError } from '@gradlab/core';

/** The `clip` column: 'none', 'norm X' (global norm ≤ X) or 'value X' (every entry in [−X, X]). */
export function clipLabel(mode: 'norm' | 'value', max: number): string {
  return `${mode} ${max}`;
}

/** The clipping a `clip` label stands for, or undefined for 'none'. */
export function parseClipLabel(label: string): { mode: 'norm' | 'value'; max: number } | undefined {
  if (label === 'none') return undefined;
  const [mode, max] = label.split(' ');
  if ((mode !== 'norm' && mode !== 'value') || !(Number(max) > 0)) throw new ValidationError(`exploding-clipping: clip label ${JSON.stringify(label)} is not 'none', 'norm X' or 'value X'`);
  return { mode, max: Number(max) };
}
