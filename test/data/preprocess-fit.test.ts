import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EncodedTable, encodeTable } from '../../src/data/encoded-table.js';
import { fitPreprocessor, fitTarget, median } from '../../src/data/preprocess/fit.js';
import { fractionalYear } from '../../src/data/preprocess/steps.js';
import { classesOfRows, valuesOfRows } from '../../src/data/preprocess/target.js';
import type { ColumnPlan, TablePlan } from '../../src/data/preprocess/types.js';
import type { Cell } from '../../src/data/table.js';
import {
  defaultPreprocessOptions,
  type PreprocessOptionsSpec,
} from '../../src/spec/preprocessing.js';

/** A table of named columns (same length), label column last. */
function tableOf(columns: Record<string, Cell[]>): EncodedTable {
  const header = Object.keys(columns);
  const rows = columns[header[0]!]!.map((_, r) => header.map((h) => columns[h]![r]));
  return encodeTable({ header, rows }, ['NA']);
}

function planOf(
  table: EncodedTable,
  inputs: Omit<ColumnPlan, 'index'>[],
  options: PreprocessOptionsSpec = {},
  task: 'classification' | 'regression' = 'regression',
): TablePlan {
  const at = (name: string) => table.header.indexOf(name);
  return {
    inputs: inputs.map((c) => ({ ...c, index: at(c.name) })),
    skipped: [],
    label: { name: 'y', index: at('y'), task, reason: 'set' },
    width: inputs.reduce((s, c) => s + c.width, 0),
    options: { ...defaultPreprocessOptions, ...options },
  };
}

const rowsUpTo = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);

/** Mean and population std, written out plainly. */
function moments(values: number[]) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  return { mean, std };
}

describe('numeric columns', () => {
  // 7 cells: 4 present in rows 0-4 (one NA, one blank), two more rows outside training
  const table = tableOf({
    x: ['4', '1', 'NA', '10', '', '2', '1000', '-1000'],
    y: ['1', '2', '3', '4', '5', '6', '7', '8'],
  });
  const train = rowsUpTo(6); // 4, 1, -, 10, -, 2

  it('fills with the median of the training rows, then standardises the filled column', () => {
    const plan = planOf(table, [{ name: 'x', type: 'numeric', width: 1 }]);
    const [step] = fitPreprocessor(table, plan, train, ['NA']).columns;
    // median of 1, 2, 4, 10 is 3; the filled column is 4, 1, 3, 10, 3, 2
    expect(step).toEqual({
      name: 'x',
      type: 'numeric',
      fill: 3,
      ...moments([4, 1, 3, 10, 3, 2]),
      indicator: false,
    });
  });

  it('fills with the mean or a constant, and adds the indicator the plan gives room for', () => {
    const mean = planOf(table, [{ name: 'x', type: 'numeric', width: 2 }], {
      numericImpute: 'mean',
    });
    const [a] = fitPreprocessor(table, mean, train, []).columns;
    expect(a).toMatchObject({
      fill: 17 / 4,
      ...moments([4, 1, 17 / 4, 10, 17 / 4, 2]),
      indicator: true,
    });
    const constant = planOf(table, [{ name: 'x', type: 'numeric', width: 1 }], {
      numericImpute: 'constant',
      fillValue: -1,
    });
    const [b] = fitPreprocessor(table, constant, train, []).columns;
    expect(b).toMatchObject({ fill: -1, ...moments([4, 1, -1, 10, -1, 2]) });
  });

  it('gives a constant column std 1, and a column with nothing present fillValue', () => {
    const flat = tableOf({ x: ['5', '5', 'NA'], e: ['', 'NA', ''], y: ['1', '2', '3'] });
    const plan = planOf(flat, [
      { name: 'x', type: 'numeric', width: 1 },
      { name: 'e', type: 'numeric', width: 1 },
    ]);
    const [x, e] = fitPreprocessor(flat, plan, rowsUpTo(3), []).columns;
    expect(x).toMatchObject({ fill: 5, mean: 5, std: 1 });
    expect(e).toMatchObject({ fill: 0, mean: 0, std: 1 });
  });

  it('takes the median of counted values like the median of the list', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 60 }),
        (list) => {
          const distinct = [...new Set(list)];
          const counts = Float64Array.from(distinct, (v) => list.filter((x) => x === v).length);
          const sorted = [...list].sort((a, b) => a - b);
          const mid = sorted.length >> 1;
          const expected = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
          expect(median(distinct, counts)).toBe(expected);
        },
      ),
    );
  });
});

describe('boolean columns', () => {
  it('fills with the more frequent training value, 0 on a tie', () => {
    const table = tableOf({
      a: ['yes', 'no', 'yes', '', 'no', 'no', 'no'],
      b: ['1', '0', 'true', 'false', '', 'NA', 'true'],
      y: ['1', '2', '3', '4', '5', '6', '7'],
    });
    const plan = planOf(table, [
      { name: 'a', type: 'boolean', width: 1 },
      { name: 'b', type: 'boolean', width: 1 },
    ]);
    const [a, b] = fitPreprocessor(table, plan, rowsUpTo(4), []).columns;
    expect(a).toEqual({ name: 'a', type: 'boolean', fill: 1 }); // yes, no, yes: 1 (row 4-6 unseen)
    expect(b).toEqual({ name: 'b', type: 'boolean', fill: 0 }); // 1, 0, true, false: a tie
  });
});

describe('categorical columns', () => {
  const table = tableOf({
    c: ['b', 'a', 'c', 'a', 'b', 'd', '', 'e', 'zz', 'zz', 'zz', 'zz'],
    y: Array.from({ length: 12 }, (_, i) => String(i)),
  });
  const train = rowsUpTo(8); // b a c a b d - e: a 2, b 2, c d e 1

  it('keeps the most frequent training categories, ties by text, at most the slots', () => {
    const plan = planOf(table, [{ name: 'c', type: 'categorical', width: 4 }]);
    const [step] = fitPreprocessor(table, plan, train, []).columns;
    expect(step).toEqual({
      name: 'c',
      type: 'categorical',
      categories: ['a', 'b', 'c'],
      slots: 3,
      fill: 'a',
      missingSlot: false,
    });
  });

  it('leaves out categories rarer than minFrequency, leaving slots unfilled', () => {
    const plan = planOf(table, [{ name: 'c', type: 'categorical', width: 7 }], { minFrequency: 2 });
    const [step] = fitPreprocessor(table, plan, train, []).columns;
    expect(step).toMatchObject({ categories: ['a', 'b'], slots: 6, fill: 'a' });
  });

  it('gives a missing slot when asked and the column has blanks', () => {
    const plan = planOf(table, [{ name: 'c', type: 'categorical', width: 8 }], {
      categoricalImpute: 'missing',
    });
    const [step] = fitPreprocessor(table, plan, train, []).columns;
    expect(step).toEqual({
      name: 'c',
      type: 'categorical',
      categories: ['a', 'b', 'c', 'd', 'e'],
      slots: 6,
      fill: null,
      missingSlot: true,
    });
  });
  it('makes the slot the plan kept for blanks an unused category slot when none are stored', () => {
    // the profile saw a blank in a row the upload dropped for its missing label
    const stored = tableOf({ c: ['a', 'b', 'a'], y: ['1', '2', '3'] });
    const plan = planOf(stored, [{ name: 'c', type: 'categorical', width: 4 }], {
      categoricalImpute: 'missing',
    });
    const pre = fitPreprocessor(stored, plan, rowsUpTo(3), []);
    expect(pre.columns[0]).toMatchObject({
      categories: ['a', 'b'],
      slots: 3,
      fill: 'a',
      missingSlot: false,
    });
    expect(pre.inputNames).toEqual(['c=a', 'c=b', 'c (unused 1)', 'c (other)']);
  });
});

describe('datetime columns', () => {
  it('fills with the median instant and standardises the fractional year', () => {
    const table = tableOf({
      d: ['2020-07-01', '2000-01-01', '', '2010-01-01T06:00:00Z', '1990-01-01', '2100-01-01'],
      y: ['1', '2', '3', '4', '5', '6'],
    });
    const plan = planOf(table, [{ name: 'd', type: 'datetime', width: 7 }]);
    const [step] = fitPreprocessor(table, plan, rowsUpTo(5), []).columns;
    const fill = (Date.UTC(2000, 0, 1) + Date.UTC(2010, 0, 1, 6)) / 2;
    const years = [
      Date.UTC(2020, 6, 1),
      Date.UTC(2000, 0, 1),
      fill,
      Date.UTC(2010, 0, 1, 6),
      Date.UTC(1990, 0, 1),
    ];
    const { mean, std } = moments(years.map(fractionalYear));
    expect(step).toMatchObject({ name: 'd', type: 'datetime', fill, hours: true });
    if (step?.type !== 'datetime') throw new Error('datetime');
    expect(step.yearMean).toBeCloseTo(mean, 10); // summed in another order
    expect(step.yearStd).toBeCloseTo(std, 10);
  });
});

describe('the preprocessing as a whole', () => {
  it('names every input, keeps the tokens, skipped columns and options', () => {
    const table = tableOf({ x: ['1', '2'], c: ['u', 'v'], y: ['1', '2'] });
    const plan = {
      ...planOf(table, [
        { name: 'x', type: 'numeric', width: 1 },
        { name: 'c', type: 'categorical', width: 3 },
      ]),
      skipped: [{ name: 'id', type: 'id' as const, reason: 'unique' }],
    };
    const pre = fitPreprocessor(table, plan, rowsUpTo(2), ['NA', '?']);
    expect(pre.inputNames).toEqual(['x', 'c=u', 'c=v', 'c (other)']);
    expect(pre.width).toBe(4);
    expect(pre.missingTokens).toEqual(['NA', '?']);
    expect(pre.skipped).toEqual(plan.skipped);
    expect(pre.options).toEqual(plan.options);
  });

  it('refuses a plan whose width its columns cannot make', () => {
    const table = tableOf({ x: ['1', '2'], y: ['1', '2'] });
    const plan = planOf(table, [{ name: 'x', type: 'datetime', width: 6 }]);
    expect(() => fitPreprocessor(table, plan, rowsUpTo(2), [])).toThrow(
      /x: 5 inputs, the plan says 6/,
    );
  });
});

describe('fitTarget', () => {
  it('lists every class in the table, numbers ascending and merged by value', () => {
    const table = tableOf({ y: ['10', '2', '2.0', '1e1', '3', 'NA'] });
    const plan = planOf(table, [], {}, 'classification');
    const target = fitTarget(table, plan, rowsUpTo(2), rowsUpTo(6));
    expect(target).toEqual({ name: 'y', task: 'classification', classes: [2, 3, 10] });
    if (target.task !== 'classification') throw new Error('classes');
    expect(Array.from(classesOfRows(table, target, 0, rowsUpTo(6)))).toEqual([2, 0, 0, 2, 1, -1]);
  });

  it('sorts class names by text', () => {
    const table = tableOf({ y: ['dog', 'cat', 'Dog', '1', 'cat'] });
    const plan = planOf(table, [], {}, 'classification');
    expect(fitTarget(table, plan, rowsUpTo(1), rowsUpTo(5))).toMatchObject({
      classes: ['1', 'Dog', 'cat', 'dog'],
    });
  });

  it('scales a regression target by its training rows alone', () => {
    const table = tableOf({ y: ['1', '3', 'NA', '8', '1000'] });
    const plan = planOf(table, [], {}, 'regression');
    const target = fitTarget(table, plan, rowsUpTo(4), rowsUpTo(5));
    expect(target).toEqual({ name: 'y', task: 'regression', ...moments([1, 3, 8]) });
    if (target.task !== 'regression') throw new Error('regression');
    const values = valuesOfRows(table, target, 0, Uint32Array.of(0, 2, 4));
    expect(values[0]).toBeCloseTo((1 - target.mean) / target.std, 6);
    expect(values[1]).toBeNaN();
    expect(values[2]).toBeCloseTo((1000 - target.mean) / target.std, 4);
    const flat = tableOf({ y: ['5', '5'] });
    expect(fitTarget(flat, planOf(flat, []), rowsUpTo(2), rowsUpTo(2))).toMatchObject({
      mean: 5,
      std: 1,
    });
  });
});
