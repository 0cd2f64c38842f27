import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldSplit, stratifiedFolds } from '../../src/data/folds.js';
import { testSplitOf } from '../../src/data/preprocess/split.js';
import { ValidationError } from '../../src/errors.js';

const classesOf = (sizes: number[]) =>
  Int32Array.from(sizes.flatMap((n, c) => Array<number>(n).fill(c)));

/** counts[f][c]: rows of class c validating in fold f (one class when labels are null). */
function countsOf(fold: Int32Array, labels: Int32Array | null, k: number): number[][] {
  const classes = labels ? Math.max(0, ...labels) + 1 : 1;
  const counts = Array.from({ length: k }, () => Array<number>(classes).fill(0));
  fold.forEach((f, row) => {
    counts[f]![labels ? labels[row]! : 0]!++;
  });
  return counts;
}

/** The validation rows of each fold; the training rows of fold f are all the others. */
const validationSets = (fold: Int32Array, k: number) =>
  Array.from({ length: k }, (_, f) => [...fold.keys()].filter((row) => fold[row] === f));

const spread = (values: number[]) => Math.max(...values) - Math.min(...values);

/** Every invariant the folds promise, for any labels and k. */
function expectFolds(fold: Int32Array, labels: Int32Array | null, rows: number, k: number) {
  expect(fold).toHaveLength(rows);
  // every row in exactly one fold: the validation sets partition the rows
  const sets = validationSets(fold, k);
  expect(sets.flat().sort((a, b) => a - b)).toEqual([...Array(rows).keys()]);
  const counts = countsOf(fold, labels, k);
  expect(spread(counts.map((perClass) => perClass.reduce((a, b) => a + b, 0)))).toBeLessThanOrEqual(
    1,
  );
  for (let c = 0; c < counts[0]!.length; c++) {
    expect(spread(counts.map((perClass) => perClass[c]!))).toBeLessThanOrEqual(1);
  }
}

describe('stratifiedFolds', () => {
  it('deals 3 classes of 7, 5 and 2 rows to 3 folds: per class and in all, ±1', () => {
    const labels = classesOf([7, 5, 2]);
    const fold = stratifiedFolds(labels, 14, 3, 1);
    expectFolds(fold, labels, 14, 3);
    // deals continue across classes: class 0 gives 3,2,2 (deals 0–6), class 1 starts at fold 1
    // (deals 7–11: folds 1,2,0,1,2) and class 2 at fold 0 (deals 12–13: folds 0,1)
    expect(countsOf(fold, labels, 3)).toEqual([
      [3, 1, 1],
      [2, 2, 1],
      [2, 2, 0],
    ]);
    // fold sizes 5, 5, 4: restarting each class at fold 0 would give 6, 5, 3
    expect(validationSets(fold, 3).map((s) => s.length)).toEqual([5, 5, 4]);
  });

  it('deals a regression table (no labels) in folds of 4, 3, 3', () => {
    const fold = stratifiedFolds(null, 10, 3, 2);
    expectFolds(fold, null, 10, 3);
    expect(validationSets(fold, 3).map((s) => s.length)).toEqual([4, 3, 3]);
  });

  it('is the same for the same seed and shuffles differently for another', () => {
    const labels = classesOf([50, 30, 20]);
    const a = stratifiedFolds(labels, 100, 5, 7);
    expect(stratifiedFolds(labels, 100, 5, 7)).toEqual(a);
    expect(stratifiedFolds(labels, 100, 5, 8)).not.toEqual(a);
    expect(stratifiedFolds(null, 100, 5, 7)).toEqual(stratifiedFolds(null, 100, 5, 7));
    expect(stratifiedFolds(null, 100, 5, 7)).not.toEqual(stratifiedFolds(null, 100, 5, 8));
  });

  it('shuffles: the folds are not runs of consecutive rows', () => {
    const fold = stratifiedFolds(null, 100, 5, 3);
    // a deal without the shuffle gives row r fold r % 5; a shuffled one matches ~1 in 5 rows
    const inOrder = [...fold].filter((f, row) => f === row % 5).length;
    expect(inOrder).toBeLessThan(50);
  });

  it('draws from another stream than the test split of the same seed', () => {
    // one shared stream would shuffle the 100 rows alike: the test split's 20 rows would be the
    // first 20 deals, exactly 4 in each fold, for every seed
    const perFold = (seed: number) => {
      const fold = stratifiedFolds(null, 100, 5, seed);
      const counts = [0, 0, 0, 0, 0];
      for (const row of testSplitOf(100, 0.2, seed).test) counts[fold[row]!]!++;
      return counts;
    };
    const even = [1, 2, 3, 4, 5].filter((seed) => perFold(seed).every((n) => n === 4));
    expect(even.length).toBeLessThan(5);
  });

  it('gives a class smaller than k to some folds only', () => {
    const labels = classesOf([9, 2]);
    const fold = stratifiedFolds(labels, 11, 4, 5);
    expectFolds(fold, labels, 11, 4);
    expect(countsOf(fold, labels, 4).map((perClass) => perClass[1])).toEqual([0, 1, 1, 0]);
  });

  it('keeps every invariant for random labels, rows and k', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 2, maxLength: 200 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.boolean(),
        (classes, wantedK, seed, regression) => {
          const rows = classes.length;
          const k = Math.min(wantedK, rows);
          const labels = regression ? null : Int32Array.from(classes);
          expectFolds(stratifiedFolds(labels, rows, k, seed), labels, rows, k);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses fewer than 2 folds or more folds than rows, naming the field', () => {
    const refusal = (rows: number, k: number) => {
      try {
        stratifiedFolds(null, rows, k, 1);
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return (err as ValidationError).issues;
      }
      throw new Error(`${k} folds of ${rows} rows were made`);
    };
    expect(refusal(10, 1)).toEqual([
      {
        path: 'training.crossValidation.folds',
        message:
          '1 folds cannot be made: use a whole number from 2 to 10 (the rows to deal; 5 or 10 are usual)',
      },
    ]);
    expect(refusal(4, 5)[0]!.message).toBe(
      '5 folds cannot be made: use a whole number from 2 to 4 (the rows to deal; 5 or 10 are usual)',
    );
    expect(refusal(10, 2.5)[0]!.path).toBe('training.crossValidation.folds');
    expect(refusal(1, 2)[0]!.message).toBe(
      '2 folds cannot be made: cross-validation needs at least 2 rows and there is 1',
    );
  });

  it('refuses labels of another length or a row without a class (a caller bug)', () => {
    expect(() => stratifiedFolds(Int32Array.from([0, 1]), 3, 2, 1)).toThrow('2 labels for 3 rows');
    expect(() => stratifiedFolds(Int32Array.from([0, -1, 1]), 3, 2, 1)).toThrow('without a class');
  });
});

describe('foldSplit', () => {
  it('gives each fold its own rows to validate on and every other to train on: no row validates twice', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 60 }),
        fc.integer({ min: 2, max: 20 }),
        fc.boolean(),
        fc.nat(),
        (classes, k, byClass, seed) => {
          const rows = classes.length;
          fc.pre(k <= rows);
          const labels = byClass ? Int32Array.from(classes) : null;
          const folds = stratifiedFolds(labels, rows, k, seed);
          const validated = new Array<number>(rows).fill(0);
          for (let index = 0; index < k; index++) {
            const { train, validation } = foldSplit(labels, rows, { index, folds: k }, seed);
            for (const r of validation) {
              validated[r]!++;
              expect(folds[r]).toBe(index);
            }
            expect([...train, ...validation].sort((a, b) => a - b)).toEqual([
              ...Array(rows).keys(),
            ]);
          }
          expect(validated.every((v) => v === 1)).toBe(true);
        },
      ),
    );
  });
});
