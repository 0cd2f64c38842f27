import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { encodeTable } from '../../src/data/encoded-table.js';
import { foldSplit } from '../../src/data/folds.js';
import { defaultMissingTokens } from '../../src/data/missing.js';
import { planTable } from '../../src/data/preprocess/plan.js';
import { prepareTable } from '../../src/data/preprocess/prepare.js';
import { testSplitOf } from '../../src/data/preprocess/split.js';
import { transformRecords } from '../../src/data/preprocess/transform.js';
import { profileTable } from '../../src/data/profile.js';
import type { Cell, Table } from '../../src/data/table.js';
import { validationSplitOf } from '../../src/engine/index.js';
import { preprocessorSchema, targetEncodingSchema } from '../../src/spec/preprocessing.js';

const tokens = [...defaultMissingTokens];
const options = { testSplit: 0.2, validationSplit: 0.25, seed: 11, missingTokens: tokens };

/** Mean, population std and median, written out plainly. */
function stats(values: number[]) {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { mean, std, median };
}

/**
 * Which of n labelled rows the fitting may see, by the documented splits alone: the test split
 * (testSplitOf, unstratified for regression), then the engine's validation split of the rest.
 */
function fitRowsOf(n: number) {
  const { train } = testSplitOf(n, options.testSplit, options.seed);
  const [kept] = validationSplitOf(train.length, options);
  return new Set(Array.from(kept, (p) => train[p]!));
}

describe('prepareTable: fitted on the training rows only', () => {
  // 60 rows; the rows the fitting may see hold small values, every validation and test row a
  // wildly different one, so a statistic over any other row would be far off.
  const n = 60;
  const fitRows = fitRowsOf(n);
  const cells = (fitted: (r: number) => Cell, other: (r: number) => Cell) =>
    Array.from({ length: n }, (_, r) => (fitRows.has(r) ? fitted(r) : other(r)));
  const x = cells(
    (r) => (r % 7 === 0 ? '' : String(r % 5)),
    (r) => String(1e6 + r),
  );
  const c = cells(
    (r) => ['a', 'b', 'b'][r % 3]!,
    () => 'z',
  );
  const d = cells(
    (r) => `200${r % 4}-03-01`,
    () => '2090-01-01',
  );
  const y = cells(
    (r) => String(r / 10),
    () => '-5000.5',
  );
  const table: Table = {
    header: ['x', 'c', 'd', 'y'],
    rows: x.map((_, r) => [x[r]!, c[r]!, d[r]!, y[r]!]),
  };
  const plan = planTable(profileTable(table, { label: 'y' }), {
    preprocessing: { missingIndicator: true },
  });
  const prepared = prepareTable(encodeTable(table, tokens), plan, options);
  const seen = (column: Cell[]) => column.filter((_, r) => fitRows.has(r));

  it('holds out the documented test rows and fits on the rest less the validation rows', () => {
    expect(fitRows.size).toBe(36); // 48 training rows, 12 of them for validation
    expect(prepared.testRows).toHaveLength(12);
    expect(prepared.train.rows).toBe(48);
    expect(prepared.test?.rows).toBe(12);
    expect(Array.from(prepared.testRows)).toEqual(
      Array.from(testSplitOf(n, 0.2, options.seed).test),
    );
  });

  it('imputes and scales numbers by the fitted rows alone', () => {
    const values = seen(x)
      .filter((v) => v !== '')
      .map(Number);
    const { median } = stats(values);
    const filled = seen(x).map((v) => (v === '' ? median : Number(v)));
    const { mean, std } = stats(filled);
    const [step] = prepared.preprocessor.columns;
    expect(step).toMatchObject({ name: 'x', fill: median, indicator: true });
    if (step?.type !== 'numeric') throw new Error('numeric');
    expect(step.mean).toBeCloseTo(mean, 12);
    expect(step.std).toBeCloseTo(std, 12);
    expect(step.mean).toBeLessThan(5);
  });

  it('lists the categories of the fitted rows alone, with a slot for the rest', () => {
    // the profile saw a, b and z: three slots, z (never fitted on) left unfilled
    expect(prepared.preprocessor.columns[1]).toEqual({
      name: 'c',
      type: 'categorical',
      categories: ['b', 'a'],
      slots: 3,
      fill: 'b',
      missingSlot: false,
    });
  });

  it('fills dates with the fitted rows median', () => {
    const ms = seen(d).map((v) => Date.parse(`${v}T00:00:00Z`));
    expect(prepared.preprocessor.columns[2]).toMatchObject({ fill: stats(ms).median });
  });

  it('scales the regression target by the fitted rows alone', () => {
    const { mean, std } = stats(seen(y).map(Number));
    expect(prepared.target).toMatchObject({ name: 'y', task: 'regression' });
    if (prepared.target.task !== 'regression') throw new Error('regression');
    expect(prepared.target.mean).toBeCloseTo(mean, 12);
    expect(prepared.target.std).toBeCloseTo(std, 12);
  });

  it('standardises the fitted rows to mean 0 (and the others far from it)', () => {
    const { train } = prepared;
    const [kept, held] = validationSplitOf(train.rows, options);
    const column = (positions: Uint32Array) =>
      Array.from(positions, (p) => train.inputs[p * train.features]!);
    expect(stats(column(kept)).mean).toBeCloseTo(0, 5);
    expect(Math.min(...column(held!))).toBeGreaterThan(1e4);
  });
});

describe('prepareTable for a cross-validation fold: fitted on the training rows outside it', () => {
  // 60 rows; 48 left by the test split, dealt to 4 folds: fold 1 validates and is not fitted on
  const n = 60;
  const fold = { index: 1, folds: 4 };
  const { train } = testSplitOf(n, options.testSplit, options.seed);
  const split = foldSplit(null, train.length, fold, options.seed);
  const fitRows = new Set(Array.from(split.train, (p) => train[p]!));
  const x = Array.from({ length: n }, (_, r) => (fitRows.has(r) ? String(r % 5) : String(1e6 + r)));
  const y = Array.from({ length: n }, (_, r) => String(r / 10));
  const table: Table = { header: ['x', 'y'], rows: x.map((v, r) => [v, y[r]!]) };
  const plan = planTable(profileTable(table, { label: 'y' }), {});
  const prepared = prepareTable(encodeTable(table, tokens), plan, { ...options, fold });

  it('fits on the 36 rows of the other folds, not on the fold nor the validation split', () => {
    expect(fitRows.size).toBe(36);
    expect(split.validation).toHaveLength(12);
    const { mean, std } = stats([...fitRows].map((r) => r % 5));
    const [step] = prepared.preprocessor.columns;
    if (step?.type !== 'numeric') throw new Error('numeric');
    expect(step.mean).toBeCloseTo(mean, 12);
    expect(step.std).toBeCloseTo(std, 12);
    // the fold's rows are the ones left far from the fitted scale
    const { train: rows } = prepared;
    const column = (positions: Uint32Array) =>
      Array.from(positions, (p) => rows.inputs[p * rows.features]!);
    expect(Math.min(...column(split.validation))).toBeGreaterThan(1e4);
    expect(Math.max(...column(split.train).map(Math.abs))).toBeLessThan(5);
  });
});

describe('prepareTable: shapes and classes', () => {
  // 3 classes of 30, 20 and 10 rows; 5 rows without a label
  const labels = [...Array(30).fill('cat'), ...Array(20).fill('dog'), ...Array(10).fill('eel')];
  const rows: Cell[][] = labels.map((label, r) => [String(r % 9), r % 2 ? 'yes' : 'no', label]);
  for (let r = 0; r < 5; r++) rows.splice(r * 10, 0, [String(r), 'no', r % 2 ? '' : 'NA']);
  const table: Table = { header: ['n', 'b', 'kind'], rows };
  const plan = planTable(profileTable(table, { label: 'kind' }));
  const encoded = encodeTable(table, tokens);

  it('skips rows without a label and stratifies the test rows by class', () => {
    const prepared = prepareTable(encoded, plan, options);
    expect(prepared.target).toEqual({
      name: 'kind',
      task: 'classification',
      classes: ['cat', 'dog', 'eel'],
    });
    const test = prepared.test!;
    expect([prepared.train.rows, test.rows]).toEqual([48, 12]);
    expect(Array.from(test.labels!).sort()).toEqual([
      ...Array(6).fill(0),
      ...Array(4).fill(1),
      2,
      2,
    ]);
    for (const r of prepared.testRows)
      expect(encoded.codes[2 * encoded.rows + r]).toBeGreaterThanOrEqual(0);
  });

  it('gives Datasets of the plan width, one-hot targets, labels, classes and input names', () => {
    const { train, preprocessor } = prepareTable(encoded, plan, options);
    expect(preprocessor.width).toBe(plan.width);
    expect(train).toMatchObject({
      features: plan.width,
      outputs: 3,
      classes: ['cat', 'dog', 'eel'],
    });
    expect(train.inputs).toHaveLength(48 * plan.width);
    expect(train.targets).toHaveLength(48 * 3);
    expect(train.featureNames).toEqual(preprocessor.inputNames);
    for (let r = 0; r < train.rows; r++) {
      const hot = Array.from(train.targets.subarray(r * 3, r * 3 + 3));
      expect(hot).toEqual([0, 1, 2].map((k) => (k === train.labels![r] ? 1 : 0)));
    }
  });

  it('is deterministic for a seed, and another seed holds out other rows', () => {
    expect(prepareTable(encoded, plan, options)).toEqual(prepareTable(encoded, plan, options));
    const other = prepareTable(encoded, plan, { ...options, seed: 12 });
    expect(other.testRows).not.toEqual(prepareTable(encoded, plan, options).testRows);
  });

  it('holds nothing out with testSplit 0', () => {
    const prepared = prepareTable(encoded, plan, { ...options, testSplit: 0 });
    expect([prepared.train.rows, prepared.test, prepared.testRows.length]).toEqual([60, null, 0]);
  });
});

describe('prepareTable on cars.csv', () => {
  // StatLib cars, a copy of shared/data/cars.csv (test/fixtures/README.md)
  const [header, ...cells] = parse(
    readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8'),
  ) as string[][];
  const cars: Table = { header: header!, rows: cells };
  const plan = planTable(profileTable(cars, { label: 'Miles_per_Gallon' }));
  // the upload stores the rows with a label
  const mpg = header!.indexOf('Miles_per_Gallon');
  const stored = encodeTable(
    { header: header!, rows: cells.filter((row) => row[mpg] !== '') },
    tokens,
  );
  const prepared = prepareTable(stored, plan, { ...options, validationSplit: 0.1, seed: 1 });

  it('reads 398 rows into 14 inputs, 80 of them held out', () => {
    expect(stored.rows).toBe(398);
    expect(plan.width).toBe(14);
    expect(prepared.preprocessor.inputNames).toEqual([
      'Cylinders',
      'Displacement',
      'Horsepower',
      'Weight_in_lbs',
      'Acceleration',
      'Year (year)',
      'Year (month sin)',
      'Year (month cos)',
      'Year (weekday sin)',
      'Year (weekday cos)',
      'Origin=USA',
      'Origin=Japan',
      'Origin=Europe',
      'Origin (other)',
    ]);
    expect([prepared.train.rows, prepared.test!.rows]).toEqual([318, 80]);
    expect(prepared.preprocessor.skipped.map((s) => s.name)).toEqual(['Name']);
  });

  it('gives a preprocessing and a target the model document accepts', () => {
    const stored = JSON.parse(JSON.stringify(prepared.preprocessor));
    expect(preprocessorSchema.parse(stored)).toEqual(prepared.preprocessor);
    expect(targetEncodingSchema.parse(prepared.target)).toEqual(prepared.target);
  });

  it('gives sane numbers: finite, standardised, mpg in its units', () => {
    const { train, test, target } = prepared;
    expect(train.inputs.every(Number.isFinite) && test!.inputs.every(Number.isFinite)).toBe(true);
    expect(train.targets.every(Number.isFinite)).toBe(true);
    expect(target.task).toBe('regression');
    if (target.task !== 'regression') return;
    expect(target.mean).toBeGreaterThan(22);
    expect(target.mean).toBeLessThan(25);
    expect(target.std).toBeGreaterThan(7);
    expect(target.std).toBeLessThan(9);
    const horsepower = prepared.preprocessor.columns[2]!;
    expect(horsepower).toMatchObject({ name: 'Horsepower', type: 'numeric', indicator: false });
    // 80 test rows: the standardised inputs stay near the training scale
    for (let j = 0; j < 5; j++) {
      const column = Array.from({ length: test!.rows }, (_, r) => test!.inputs[r * 14 + j]!);
      expect(Math.abs(stats(column).mean)).toBeLessThan(0.5);
    }
  });

  it('encodes a record as it encodes the same stored row', () => {
    const r = prepared.testRows[0]!;
    const row = cells.filter((c) => c[mpg] !== '')[r]!;
    const record = Object.fromEntries(header!.map((h, c) => [h, row[c]]));
    const { inputs, warnings } = transformRecords(
      prepared.preprocessor,
      [record],
      'records',
      'Miles_per_Gallon',
    );
    expect(warnings).toEqual([]);
    expect(Array.from(inputs)).toEqual(Array.from(prepared.test!.inputs.subarray(0, 14)));
  });
});

describe('prepareTable with a fitted preprocessing (a warm start, options.fitted)', () => {
  const first: Table = {
    header: ['x', 'c', 'y'],
    rows: Array.from({ length: 30 }, (_, r) => [String(r), ['a', 'b'][r % 2]!, String(r * 2)]),
  };
  const fitted = prepareTable(
    encodeTable(first, tokens),
    planTable(profileTable(first, { label: 'y' }), {}),
    options,
  );
  // new rows: columns in another order, numbers far from the first table's, a new category
  const newTable: Table = {
    header: ['c', 'x', 'y'],
    rows: Array.from({ length: 20 }, (_, r) => [
      ['a', 'b', 'q'][r % 3]!,
      String(1000 + r),
      String(r),
    ]),
  };
  const newPlan = planTable(profileTable(newTable, { label: 'y' }), {});
  const given = { preprocessor: fitted.preprocessor, target: fitted.target };
  const warm = prepareTable(encodeTable(newTable, tokens), newPlan, { ...options, fitted: given });

  it('uses the given preprocessor and target as they are, finding columns by name', () => {
    expect(warm.preprocessor).toBe(fitted.preprocessor);
    expect(warm.target).toBe(fitted.target);
    // the test split still applies
    expect(Array.from(warm.testRows)).toEqual(Array.from(testSplitOf(20, 0.2, options.seed).test));
    // each training row encoded as the first table's preprocessing encodes the same record
    const test = new Set(warm.testRows);
    const rows = newTable.rows.filter((_, r) => !test.has(r));
    const records = rows.map(([c, x]) => ({ c: c!, x: Number(x) }));
    const { inputs } = transformRecords(fitted.preprocessor, records, 'records', 'y');
    expect(warm.train.inputs).toEqual(inputs);
    const target = fitted.target as { mean: number; std: number };
    expect(warm.train.targets[0]).toBeCloseTo((Number(rows[0]![2]) - target.mean) / target.std, 5);
  });

  it("refuses a table without one of the model's columns, naming it", () => {
    const noC: Table = { header: ['x', 'y'], rows: newTable.rows.map(([, x, y]) => [x!, y!]) };
    const noCPlan = planTable(profileTable(noC, { label: 'y' }), {});
    expect(() =>
      prepareTable(encodeTable(noC, tokens), noCPlan, { ...options, fitted: given }),
    ).toThrow(/has no column c, which the model to start from/);
  });

  it('refuses rows of a class the model does not have, naming it', () => {
    const labelled: Table = {
      header: ['x', 'k'],
      rows: Array.from({ length: 20 }, (_, r) => [String(r), ['p', 'q'][r % 2]!]),
    };
    const model = prepareTable(
      encodeTable(labelled, tokens),
      planTable(profileTable(labelled, { label: 'k' }), {}),
      options,
    );
    const more: Table = { ...labelled, rows: [...labelled.rows, ['3', 'r']] };
    const morePlan = planTable(profileTable(more, { label: 'k' }), {});
    const fitted = { preprocessor: model.preprocessor, target: model.target };
    expect(() => prepareTable(encodeTable(more, tokens), morePlan, { ...options, fitted })).toThrow(
      /has rows labelled r, not a class of the model to start from/,
    );
    const same = prepareTable(encodeTable(labelled, tokens), morePlan, { ...options, fitted });
    expect(same.target).toBe(model.target);
  });
});
