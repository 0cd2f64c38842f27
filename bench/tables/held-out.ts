// Which rows of a table a job holds out for its evaluation, picked the way the worker picks them
// (training.testSplit, default 0.2; stratified by class; seeded by the job's seed), so that
// scikit-learn is scored on the very rows our model was. The one place the bench depends on
// the worker's split: nothing else here knows how it is drawn (testSplitOf, as the worker
// calls it through prepareTable).
import type { Task } from '../../src/data/index.js';
import { testSplitOf } from '../../src/data/preprocess/split.js';

/** training.testSplit's default on tables (issue 14). */
export const defaultTestFraction = 0.2;

/**
 * The held-out rows, as sorted indices into `labels`: the label of each row kept after rows
 * with a missing label were dropped, in file order (numbers for a numeric label).
 */
export function heldOutRows(
  labels: readonly (string | number)[],
  task: Task,
  seed: number,
  fraction = defaultTestFraction,
): number[] {
  const classOf = task === 'classification' ? classIndices(labels) : undefined;
  return Array.from(testSplitOf(labels.length, fraction, seed, classOf).test);
}

/** Each row's class, as an index into the classes sorted as the worker sorts them. */
export function classIndices(labels: readonly (string | number)[]): Int32Array {
  const classes = sortClasses([...new Set(labels)]);
  const index = new Map(classes.map((c, i) => [c, i]));
  return Int32Array.from(labels, (l) => index.get(l)!);
}

/** Numbers numerically, strings by code point (not by locale). */
export function sortClasses<T extends string | number>(classes: T[]): T[] {
  return classes.sort((a, b) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : a < b ? -1 : a > b ? 1 : 0,
  );
}
