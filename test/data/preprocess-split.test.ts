import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testSplitOf } from '../../src/data/preprocess/split.js';
import { validationSplitOf } from '../../src/engine/index.js';

/** Every row exactly once, each list ascending. */
function expectPartition(rows: number, { train, test }: { train: Uint32Array; test: Uint32Array }) {
  const ascending = (a: Uint32Array) => a.every((v, i) => i === 0 || a[i - 1]! < v);
  expect(ascending(train) && ascending(test)).toBe(true);
  expect([...train, ...test].sort((a, b) => a - b)).toEqual([...Array(rows).keys()]);
}

const classesOf = (sizes: number[]) =>
  Int32Array.from(sizes.flatMap((n, c) => Array<number>(n).fill(c)));

describe('testSplitOf', () => {
  it('holds out round(rows × fraction) rows, seeded', () => {
    const a = testSplitOf(100, 0.2, 7);
    expectPartition(100, a);
    expect(a.test).toHaveLength(20);
    expect(testSplitOf(100, 0.2, 7)).toEqual(a);
    expect(testSplitOf(100, 0.2, 8).test).not.toEqual(a.test);
    expect(testSplitOf(398, 0.2, 1).test).toHaveLength(80);
  });

  it('draws other rows than the engine validation split of the same seed', () => {
    // same size, same seed: a shared stream would pick the same rows (independent: ~40 shared)
    const { test } = testSplitOf(1000, 0.2, 1);
    const validation = new Set(validationSplitOf(1000, { validationSplit: 0.2, seed: 1 })[1]);
    const shared = [...test].filter((r) => validation.has(r)).length;
    expect(shared).toBeGreaterThan(10);
    expect(shared).toBeLessThan(80);
  });

  it('gives each class its share, the largest remainders the extra rows', () => {
    // 50 × 0.2 = 10, 30 × 0.2 = 6, 7 × 0.2 = 1.4, 13 × 0.2 = 2.6: 19 by floors, total 20
    const classOf = classesOf([50, 30, 7, 13]);
    const split = testSplitOf(100, 0.2, 3, classOf);
    expectPartition(100, split);
    const perClass = [0, 0, 0, 0];
    for (const r of split.test) perClass[classOf[r]!]!++;
    expect(perClass).toEqual([10, 6, 1, 3]);
    expect(testSplitOf(100, 0.2, 3, classOf)).toEqual(split);
    expect(testSplitOf(100, 0.2, 4, classOf).test).not.toEqual(split.test);
  });

  it('keeps a class of one row in training, and every class in training', () => {
    const classOf = classesOf([1, 1, 8]);
    const { train, test } = testSplitOf(10, 0.5, 1, classOf);
    expect([...test].map((r) => classOf[r])).toEqual([2, 2, 2, 2, 2]);
    expect(train).toContain(0);
    expect(train).toContain(1);
    // two rows of two classes: nothing can be held out without losing a class
    expect(testSplitOf(2, 0.5, 1, Int32Array.of(0, 1)).test).toHaveLength(0);
  });

  it('splits a single class like an unstratified split of the same size', () => {
    const { test } = testSplitOf(10, 0.3, 5, new Int32Array(10));
    expect(test).toHaveLength(3);
  });

  it('keeps every row for training with fraction 0, one row, or a negative fraction', () => {
    expect(testSplitOf(5, 0, 1)).toEqual({
      train: Uint32Array.of(0, 1, 2, 3, 4),
      test: new Uint32Array(0),
    });
    expect(testSplitOf(1, 0.5, 1)).toEqual({ train: Uint32Array.of(0), test: new Uint32Array(0) });
    expect(testSplitOf(1, 0.5, 1, Int32Array.of(0)).test).toHaveLength(0);
    expect(testSplitOf(3, -1, 1).test).toHaveLength(0);
    expect(testSplitOf(0, 0.2, 1)).toEqual({ train: new Uint32Array(0), test: new Uint32Array(0) });
  });

  it('holds out one row of two, and never every row', () => {
    const two = testSplitOf(2, 0.2, 1);
    expectPartition(2, two);
    expect([two.train.length, two.test.length]).toEqual([1, 1]);
    expect(testSplitOf(5, 0.99, 1).train).toHaveLength(1);
    expect(testSplitOf(6, 0.99, 1, classesOf([3, 3])).train).toHaveLength(2);
  });

  it('fills the total from a class that can give more when another cannot give its share', () => {
    // 20 × 0.8999999999999999 rounds to 18.0 (no remainder), and the class of one row gives
    // none: the 19th of round(21 × 0.9) test rows comes from the large class
    const classOf = classesOf([20, 1]);
    const split = testSplitOf(21, 0.8999999999999999, 0, classOf);
    expect([...split.test].filter((r) => classOf[r] === 0)).toHaveLength(19);
  });

  it('is a partition with a non-empty train for any sizes, fraction and seed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (sizes, fraction, seed) => {
          const classOf = classesOf(sizes);
          const split = testSplitOf(classOf.length, fraction, seed, classOf);
          expectPartition(classOf.length, split);
          for (let c = 0; c < sizes.length; c++) {
            const held = [...split.test].filter((r) => classOf[r] === c).length;
            expect(held).toBeLessThan(sizes[c]!);
            expect(held).toBeGreaterThanOrEqual(
              Math.min(sizes[c]! - 1, Math.floor(sizes[c]! * fraction)),
            );
            // past ceil(n × fraction) only to reach the total when some class cannot give its
            // share (it keeps its last row)
            if (enoughWithoutOverdraw(sizes, fraction, split.test.length))
              expect(held).toBeLessThanOrEqual(Math.ceil(sizes[c]! * fraction));
          }
        },
      ),
    );
  });
});

// Whether every class giving at most ceil(n × fraction) (and never its last row) reaches `total`.
function enoughWithoutOverdraw(sizes: number[], fraction: number, total: number): boolean {
  const most = sizes.reduce((sum, n) => sum + Math.min(n - 1, Math.ceil(n * fraction)), 0);
  return most >= total;
}
