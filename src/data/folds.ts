// The folds of k-fold cross-validation (issue 17, `training.crossValidation.folds`): which of k
// folds each row validates in. Seeded with its own stream of the job's seed
// (deriveSeed(seed, foldsStream)), apart from the engine's weights (1), validation split (2) and
// batches (3), and the test split (4, preprocess/split.ts).
//   by class    each class's rows (classes in index order) are shuffled and the classes' rows,
//               one after another, are dealt round-robin to folds 0, 1, …, k−1, 0, … without
//               restarting at fold 0 for each class. A class's rows are a run of consecutive
//               deals, so its count in every fold is floor or ceil of n_c / k (differ by ≤ 1);
//               all the rows are one run, so the fold sizes differ by ≤ 1 too.
//   regression  (labels null) a seeded shuffle of the rows dealt round-robin.
// A class with fewer than k rows is missing from some folds' validation sets; that is allowed
// (scikit-learn's StratifiedKFold warns and goes on). Pure; it does not train the folds.
import { createRandom, deriveSeed, shuffle } from '../engine/index.js';
import { ValidationError } from '../errors.js';

/** The stream of the job's seed that deals the rows to folds. */
export const foldsStream = 5;

/**
 * Each row's fold (0…k−1) among `rows` rows; stratified by class when `labels` gives each row's
 * class index (classification), a plain seeded deal when null (regression).
 */
export function stratifiedFolds(
  labels: Int32Array | null,
  rows: number,
  k: number,
  seed: number,
): Int32Array {
  checkFolds(rows, k);
  const random = createRandom(deriveSeed(seed, foldsStream));
  const fold = new Int32Array(rows);
  let dealt = 0;
  const deal = (members: Uint32Array) => {
    shuffle(members, random);
    for (const row of members) fold[row] = dealt++ % k;
  };
  if (labels === null) {
    deal(Uint32Array.from({ length: rows }, (_, r) => r));
  } else {
    if (labels.length !== rows) throw new Error(`${labels.length} labels for ${rows} rows`);
    for (const members of rowsByClass(labels)) deal(members);
  }
  return fold;
}

/** Which fold, of how many: what a fold job trains (spec/job-contract.ts Fold). */
export interface FoldChoice {
  index: number;
  folds: number;
}

/**
 * The rows (positions among `rows`, ascending) fold `index` trains and validates on: it
 * validates on its own fold of stratifiedFolds and trains on every other. What a fold job's
 * engine is given (hooks.validationRows) and a table's preprocessing leaves out of its fit.
 */
export function foldSplit(
  labels: Int32Array | null,
  rows: number,
  fold: FoldChoice,
  seed: number,
): { train: Uint32Array; validation: Uint32Array } {
  const of = stratifiedFolds(labels, rows, fold.folds, seed);
  let held = 0;
  for (const f of of) if (f === fold.index) held++;
  const train = new Uint32Array(rows - held);
  const validation = new Uint32Array(held);
  let t = 0;
  let v = 0;
  of.forEach((f, row) => {
    if (f === fold.index) validation[v++] = row;
    else train[t++] = row;
  });
  return { train, validation };
}

/** Refuses k folds of `rows` rows (400 at training.crossValidation.folds) unless 2 ≤ k ≤ rows. */
export function checkFolds(rows: number, k: number): void {
  if (Number.isInteger(k) && k >= 2 && k <= rows) return;
  const fix =
    rows < 2
      ? `cross-validation needs at least 2 rows and there ${rows === 1 ? 'is 1' : `are ${rows}`}`
      : `use a whole number from 2 to ${rows} (the rows to deal; 5 or 10 are usual)`;
  throw new ValidationError([
    {
      path: 'training.crossValidation.folds',
      message: `${k} folds cannot be made: ${fix}`,
    },
  ]);
}

// Each class's rows, ascending; classes are 0…max(labels).
function rowsByClass(labels: Int32Array): Uint32Array[] {
  let classes = 0;
  for (const c of labels) {
    if (c < 0) throw new Error('a row without a class cannot be dealt to a stratified fold');
    classes = Math.max(classes, c + 1);
  }
  const counts = new Uint32Array(classes);
  for (const c of labels) counts[c]!++;
  const members = Array.from(counts, (n) => new Uint32Array(n));
  counts.fill(0);
  labels.forEach((c, row) => {
    members[c]![counts[c]!++] = row;
  });
  return members;
}
