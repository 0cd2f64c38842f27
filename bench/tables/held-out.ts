// Which rows of a table a job holds out for its evaluation, picked the way the worker picks them
// (training.testSplit, default 0.2; stratified by class; seeded by the job's seed), so that
// scikit-learn is scored on the very rows our model was. The one place the bench depends on
// the worker's split: nothing else here knows how it is drawn.
//
// TO FINISH when src/data/preprocess/split.ts is on main: delete `standInSplit` and call
//   import { testSplitOf } from '../../src/data/preprocess/split.js';
//   testSplitOf(rows, fraction, seed, classOf)
// in `heldOutRows`, as the worker calls it (adapting to what it returns: the test indices).
// Until then a seeded stratified split of the same shape stands in, so the scikit-learn side
// runs; its rows are not the worker's, and bench/tables.ts checks ours against the model's.
import type { Task } from '../../src/data/index.js';
import { createRandom, deriveSeed, shuffle } from '../../src/engine/index.js';

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
  return [...standInSplit(labels.length, fraction, seed, classOf)].sort((a, b) => a - b);
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

// A seeded split, stratified when classOf is given: round(fraction × n) rows of each class.
function standInSplit(
  rows: number,
  fraction: number,
  seed: number,
  classOf?: Int32Array,
): Uint32Array {
  const random = createRandom(deriveSeed(seed, 3));
  const groups = new Map<number, number[]>();
  for (let r = 0; r < rows; r++) {
    const group = classOf ? classOf[r]! : 0;
    const members = groups.get(group) ?? [];
    members.push(r);
    groups.set(group, members);
  }
  const test: number[] = [];
  for (const [, members] of [...groups].sort(([a], [b]) => a - b)) {
    const order = Uint32Array.from(members);
    shuffle(order, random);
    test.push(...order.subarray(0, Math.round(members.length * fraction)));
  }
  return Uint32Array.from(test);
}
