/**
 * A finding: what one experiment's rows say about the published result it reproduces — a
 * table of key numbers pulled from the rows, the published figure (a fixed citation with its
 * number) beside our setup, and a verdict computed by a rule stated in words. Nothing about our
 * results is written by hand: every number and the verdict come from the rows each time.
 */
import type { Row } from '../experiment/define-experiment.js';

/** How far our rows reproduce the published result. */
export type Verdict = 'reproduced' | 'partly' | 'not';

/** The published side: a fixed citation with its number. */
export interface PublishedFigure {
  /** Authors, year, title, venue, and where in the paper (section, figure, table). */
  paper: string;
  /** Their setup (data, architecture, training). */
  setup: string;
  /** The published number or shape of the result. */
  figure: string;
}

/** A small table of key numbers (Markdown-ready strings). */
export interface KeyTable {
  /** Column headers. */
  columns: string[];
  /** Rows of cells, each as many as `columns`. */
  rows: string[][];
}

/** What a finding module returns. */
export interface Finding {
  /** Our setup in a sentence, from the run's config. */
  setup: string;
  /** Key numbers computed from the rows. */
  keyNumbers: KeyTable;
  /** The published result reproduced. */
  published: PublishedFigure;
  /** Our number(s) to put beside the published figure, one sentence. */
  ours: string;
  /** The verdict rule, in words. */
  rule: string;
  /** The verdict. */
  verdict: Verdict;
  /** Why, in a sentence or two, from the numbers. */
  why: string;
}

/**
 * A finding module: rows of the main CSV and the run's config (as stored in its manifest) in, a
 * finding out. It must not throw on rows of a run it cannot judge; an error is shown in the
 * index in place of the finding.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FindingFn<C = any> = (rows: readonly Row[], config: C) => Finding;
