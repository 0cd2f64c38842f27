// The table bench's pure parts (bench/tables/*, bench/markdown-sections.ts): its tables read as
// the upload reads them (rows, blanks, types, as bench/data/README.md states), the classes
// sorted as the worker sorts them, the held-out rows' shape, the check that our model was scored
// on the bench's rows, and BENCHMARKS.md's sections each replaced alone. The runs themselves
// (the service, scikit-learn) are `npm run bench:tables`, not a test.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sectionOf, withSection } from '../../bench/markdown-sections.js';
import { withServiceSection } from '../../bench/service-report.js';
import { benchTables } from '../../bench/tables/datasets.js';
import { classIndices, heldOutRows, sortClasses } from '../../bench/tables/held-out.js';
import { readBenchTable } from '../../bench/tables/read-table.js';
import { rowsMismatch } from '../../bench/tables/same-rows.js';
import type { Evaluation } from '../../src/spec/index.js';

const read = (label: string) => readBenchTable(benchTables.find((t) => t.label === label)!);
const missing = (label: string, column: string) =>
  read(label).profile.columns.find((c) => c.name === column)!.missing;

describe('the bench tables, read as the upload reads them', () => {
  it('cars: 406 rows, 8 blank labels dropped, Name text, Year a date, Origin categorical', () => {
    const cars = read('Miles_per_Gallon');
    expect([cars.profile.rows, cars.dropped, cars.labels.length]).toEqual([406, 8, 398]);
    expect(cars.types).toMatchObject({ Name: 'text', Year: 'datetime', Origin: 'categorical' });
    expect(missing('Miles_per_Gallon', 'Horsepower')).toBe(6);
  });

  it('penguins: 344 rows, 3 species, blanks in Sex and in every measurement', () => {
    const penguins = read('Species');
    expect([penguins.profile.rows, penguins.dropped]).toEqual([344, 0]);
    expect(penguins.profile.label?.task).toBe('classification');
    expect(sortClasses([...new Set(penguins.labels)])).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    expect(penguins.types).toMatchObject({ Island: 'categorical', 'Beak Length (mm)': 'numeric' });
    expect(missing('Species', 'Sex')).toBe(10);
    for (const c of ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'])
      expect(missing('Species', c)).toBe(2);
  });

  it('credit: 4454 rows, good 3200 and bad 1254, blanks in categories and numbers', () => {
    const credit = read('Status');
    expect([credit.profile.rows, credit.dropped]).toEqual([4454, 0]);
    expect(credit.labels.filter((l) => l === 'bad')).toHaveLength(1254);
    expect(credit.types).toMatchObject({
      Home: 'categorical',
      Records: 'boolean',
      Job: 'categorical',
    });
    const blanks = ['Home', 'Marital', 'Job', 'Income', 'Assets', 'Debt'].map((c) =>
      missing('Status', c),
    );
    expect(blanks).toEqual([6, 1, 2, 381, 47, 18]);
  });

  it('slid: 7425 rows, 3278 blank wages dropped, a numeric label kept as numbers', () => {
    const slid = read('wages');
    expect([slid.profile.rows, slid.dropped, slid.labels.length]).toEqual([7425, 3278, 4147]);
    expect(slid.labels.slice(0, 3)).toEqual([10.56, 11, 17.76]);
    expect(slid.types).toMatchObject({ sex: 'categorical', language: 'categorical' });
    expect([missing('wages', 'education'), missing('wages', 'language')]).toEqual([249, 121]);
  });
});

describe('classes and held-out rows', () => {
  it('sorts numbers numerically and strings by code point', () => {
    expect(sortClasses([10, 9, 100])).toEqual([9, 10, 100]);
    expect(sortClasses(['b', 'B', 'a', 'Ä'])).toEqual(['B', 'a', 'b', 'Ä']);
    expect([...classIndices(['b', 'a', 'b', 'c'])]).toEqual([1, 0, 1, 2]);
  });

  it('holds out a fifth of each class, the same rows for the same seed', () => {
    const labels = read('Species').labels;
    const test = heldOutRows(labels, 'classification', 1);
    expect(test).toEqual(heldOutRows(labels, 'classification', 1));
    expect(test).not.toEqual(heldOutRows(labels, 'classification', 2));
    expect(new Set(test).size).toBe(test.length);
    expect(test).toEqual([...test].sort((a, b) => a - b));
    expect(Math.min(...test)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...test)).toBeLessThan(labels.length);
    for (const [species, count] of [
      ['Adelie', 152],
      ['Chinstrap', 68],
      ['Gentoo', 124],
    ] as const) {
      const held = test.filter((i) => labels[i] === species).length;
      expect(Math.abs(held - 0.2 * count)).toBeLessThanOrEqual(1);
    }
  });

  it('holds out a fifth of a regression table', () => {
    const test = heldOutRows(read('wages').labels, 'regression', 1);
    expect(Math.abs(test.length - 0.2 * 4147)).toBeLessThanOrEqual(1);
  });
});

describe('whether the model was scored on the bench rows', () => {
  const labels = ['a', 'b', 'a', 'c', 'b', 'a'];
  const classes = (matrix: number[][]): Evaluation => ({
    task: 'classification',
    rows: matrix.flat().reduce((a, b) => a + b, 0),
    accuracy: 1,
    logLoss: 0,
    confusionMatrix: { labels: ['a', 'b', 'c'], matrix },
    perClass: [],
    macroF1: 1,
    weightedF1: 1,
  });

  it('accepts the same support per class, refuses another', () => {
    const test = [0, 1, 3]; // a, b, c
    const one = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    expect(rowsMismatch(classes(one), labels, test)).toBeUndefined();
    const shifted = [
      [1, 1, 0],
      [0, 0, 0],
      [0, 0, 1],
    ];
    expect(rowsMismatch(classes(shifted), labels, test)).toBe(
      'class a: 2 held-out rows in the model, 1 here',
    );
    expect(rowsMismatch(classes(one), labels, [0, 1])).toBe(
      'the model held out 3 rows, the bench 2',
    );
  });

  it('matches regression targets through float32 rounding', () => {
    const values = [10.56, 11, 17.76, 14.5];
    const regression = (actual: number[]): Evaluation => ({
      task: 'regression',
      rows: actual.length,
      mae: 0,
      rmse: 0,
      r2: 1,
      points: { actual, predicted: actual },
    });
    const float32 = [17.76, 10.56].map((v) => Math.fround(v));
    expect(rowsMismatch(regression(float32), values, [0, 2])).toBeUndefined();
    expect(rowsMismatch(regression([17.76, 11]), values, [0, 2])).toBe(
      "the model's held-out target 11 is not among the bench's held-out rows",
    );
  });
});

describe("BENCHMARKS.md's sections", () => {
  const doc = '# B\n\nintro\n\n## One\n\na\n\n### sub\n\nb\n\n## Two\n\nc\n';

  it('replaces one section, its sub-sections too, and keeps the others as they were', () => {
    expect(withSection(doc, 'One', '## One\n\nnew\n')).toBe(
      '# B\n\nintro\n\n## One\n\nnew\n\n## Two\n\nc\n',
    );
    expect(withSection(doc, 'Two', '## Two\n\nd')).toBe(
      '# B\n\nintro\n\n## One\n\na\n\n### sub\n\nb\n\n## Two\n\nd\n',
    );
    expect(sectionOf(doc, 'One')).toBe('## One\n\na\n\n### sub\n\nb');
    expect(sectionOf(doc, 'Three')).toBeUndefined();
  });

  it('appends a section the file does not have yet', () => {
    expect(withSection(doc, 'Three', '## Three\n\ne\n')).toBe(`${doc}\n## Three\n\ne\n`);
  });

  it("the service bench keeps the tables bench's section after its own", () => {
    const benchmarks = readFileSync(new URL('../../BENCHMARKS.md', import.meta.url), 'utf8');
    const tables = '## Real tables\n\nfigures\n';
    const both = withSection(benchmarks, 'Real tables', tables);
    const after = withServiceSection(both, '## Service\n\nnew figures\n');
    expect(sectionOf(after, 'Real tables')).toBe(tables.trimEnd());
    expect(sectionOf(after, 'Service')).toBe('## Service\n\nnew figures');
    expect(after.slice(0, after.indexOf('## Service'))).toBe(
      benchmarks.slice(0, benchmarks.indexOf('## Service')),
    );
  });
});
