import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ColumnProfile, NumericColumn } from '../../src/data/column-profile.js';
import { profileTable } from '../../src/data/profile.js';
import { type Cell, type Table, tableFromRecords } from '../../src/data/table.js';
import { issuesOf, onlyIssue } from '../helpers/issues.js';

// StatLib cars, a copy of shared/data/cars.csv (test/fixtures/README.md)
const carsText = readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8');
const [carsHeader, ...carsRows] = parse(carsText) as string[][];
const cars: Table = { header: carsHeader!, rows: carsRows };

/** A table of one column. */
const single = (cells: Cell[], name = 'x'): Table => ({
  header: [name],
  rows: cells.map((c) => [c]),
});
const only = (cells: Cell[], options = {}): ColumnProfile =>
  profileTable(single(cells), options).columns[0]!;
const column = (table: Table, name: string, options = {}) =>
  profileTable(table, options).columns.find((c) => c.name === name)!;

/** Statistics straight from the definitions, in float64, written without the module's code. */
function reference(values: number[]) {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    min: Math.min(...values),
    max: Math.max(...values),
    mean,
    std: Math.sqrt(squares / values.length),
    median,
  };
}

const close = (actual: number, expected: number) =>
  Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));

function expectStats(profile: ColumnProfile, values: number[]) {
  expect(profile.type).toBe('numeric');
  const p = profile as NumericColumn;
  const r = reference(values);
  expect([p.min, p.max, p.median]).toEqual([r.min, r.max, r.median]);
  expect(close(p.mean, r.mean) && close(p.std, r.std), `${p.mean} ${p.std}`).toBe(true);
}

/** The column's non-blank cells as numbers. */
const numbersOf = (name: string) => {
  const c = cars.header.indexOf(name);
  return cars.rows
    .map((row) => row[c]!)
    .filter((v) => v !== '')
    .map(Number);
};

describe('profileTable on StatLib cars', () => {
  const profile = profileTable(cars);
  const byName = (name: string) => profile.columns.find((c) => c.name === name)!;

  it('types every column', () => {
    expect(profile.rows).toBe(406);
    expect(profile.columns.map((c) => [c.name, c.type, c.missing, c.distinct])).toEqual([
      ['Name', 'text', 0, 311],
      ['Miles_per_Gallon', 'numeric', 8, 129],
      ['Cylinders', 'numeric', 0, 5],
      ['Displacement', 'numeric', 0, 83],
      ['Horsepower', 'numeric', 6, 93],
      ['Weight_in_lbs', 'numeric', 0, 356],
      ['Acceleration', 'numeric', 0, 96],
      ['Year', 'datetime', 0, 12],
      ['Origin', 'categorical', 0, 3],
    ]);
  });

  it('calls Name text, not id: names repeat (ford pinto 6 times), 311 distinct in 406 rows', () => {
    expect(byName('Name')).toMatchObject({
      type: 'text',
      reason: 'free text: 311 distinct values in 406 rows',
    });
  });

  it('gives the numbers float64 statistics (population std) over the present cells', () => {
    for (const name of ['Miles_per_Gallon', 'Cylinders', 'Displacement', 'Horsepower']) {
      expectStats(byName(name), numbersOf(name));
    }
    // by hand: the 398 miles-per-gallon figures sum to 9358.8; Horsepower's 400 to 42033
    expect(byName('Miles_per_Gallon')).toMatchObject({ min: 9, max: 46.6, median: 23 });
    expect(close((byName('Miles_per_Gallon') as NumericColumn).mean, 9358.8 / 398)).toBe(true);
    expect(byName('Horsepower')).toMatchObject({ min: 46, max: 230, mean: 105.0825 });
    expect(byName('Cylinders')).toMatchObject({ min: 3, max: 8, median: 4, integer: true });
    expect(byName('Acceleration')).toMatchObject({ integer: false });
  });

  it('reads Year as dates and Origin as three categories', () => {
    expect(byName('Year')).toMatchObject({ min: '1970-01-01', max: '1982-01-01' });
    expect(byName('Origin')).toMatchObject({
      top: [
        { value: 'USA', count: 254 },
        { value: 'Japan', count: 79 },
        { value: 'Europe', count: 73 },
      ],
    });
  });

  it('drops the 8 rows with no Miles_per_Gallon label, a regression target', () => {
    expect(profileTable(cars, { label: 'Miles_per_Gallon' }).label).toEqual({
      name: 'Miles_per_Gallon',
      task: 'regression',
      reason: 'real-valued label in 398 rows: a regression target',
      droppedRows: { count: 8, rows: [11, 12, 13, 14, 15, 18, 40, 368] },
    });
    expect(profileTable(cars, { label: 'Origin' }).label).toMatchObject({
      task: 'classification',
      droppedRows: { count: 0, rows: [] },
    });
  });
});

describe('profileTable types', () => {
  it('reads decimal numbers with signs and exponents, not thousands separators or hex', () => {
    expectStats(only(['1e3', '-0.5', '+7', '.5', '5.', ' 2 ']), [1000, -0.5, 7, 0.5, 5, 2]);
    for (const word of ['1,000', '0x1F', 'Infinity', '1e999', '1 000', '--1']) {
      expect(only(['1', '2', word]).type, word).toBe('categorical');
    }
  });

  it('counts distinct numbers by value', () => {
    expect(only(['1', '1.0', '1e0', '2'])).toMatchObject({ distinct: 2, integer: true });
  });

  it('reads true/false/yes/no in any case as booleans, and keeps a 0/1 column numeric', () => {
    expect(only(['True', 'no', 'YES', 'false', 'yes', ''])).toEqual({
      name: 'x',
      type: 'boolean',
      missing: 1,
      distinct: 2,
      top: [
        { value: true, count: 3 },
        { value: false, count: 2 },
      ],
    });
    expect(only(['0', '1', '1'])).toMatchObject({ type: 'numeric', mean: 2 / 3 });
    expect(only(['yes', 'no', 'maybe']).type).toBe('categorical');
  });

  it('reads ISO dates and date-times, in UTC where no zone is given', () => {
    const cells = [
      '2024-03-01 12:30',
      '2024-03-01T12:30:15.5Z',
      '2024-02-29T23:00:00+02:00',
      '2024-03-02T01:00:00.123456-01:30',
    ];
    expect(only(cells)).toMatchObject({
      type: 'datetime',
      distinct: 4,
      min: '2024-02-29T21:00:00.000Z',
      max: '2024-03-02T02:30:00.123Z',
    });
    expect(only(['2023-12-31', '1999-01-01'])).toMatchObject({ min: '1999-01-01' });
    for (const bad of ['2023-02-29', '2023-13-01', '2023-01-01T24:00', '2023-1-5', '01/02/2023']) {
      expect(only(['2023-01-01', bad]).type, bad).toBe('categorical');
    }
  });

  it('calls strings unique in every row of at least 10 an id', () => {
    const codes = Array.from({ length: 10 }, (_, i) => `K${i}`);
    expect(only(codes)).toMatchObject({ type: 'id', reason: 'unique in every row (10 rows)' });
    expect(only(codes.slice(0, 9)).type).toBe('categorical');
    expect(only([...codes, '']).type).toBe('categorical');
  });

  it('calls strings text past 20 distinct values and half the present cells', () => {
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i % 21}`);
    expect(only(words(41))).toMatchObject({
      type: 'text',
      distinct: 21,
      reason: 'free text: 21 distinct values in 41 rows',
    });
    expect(only(words(42)).type).toBe('categorical'); // 21 is not more than half of 42
    expect(only(words(20).concat(words(20))).type).toBe('categorical'); // only 20 distinct
  });

  it('lists at most 10 top categories, most frequent first, ties by value', () => {
    const cells = 'abcdefghijkl'.split('').flatMap((ch, i) => Array(i < 2 ? 3 : 1).fill(ch));
    const profile = only([...cells, 'b']) as Extract<ColumnProfile, { type: 'categorical' }>;
    expect(profile.distinct).toBe(12);
    expect(profile.top).toHaveLength(10);
    expect(profile.top.slice(0, 4)).toEqual([
      { value: 'b', count: 4 },
      { value: 'a', count: 3 },
      { value: 'c', count: 1 },
      { value: 'd', count: 1 },
    ]);
  });

  it('reads a mixture of numbers and words as categories', () => {
    expect(only(['1', 'two', '3'])).toMatchObject({ type: 'categorical', distinct: 3 });
  });
});

describe('profileTable missing cells', () => {
  it('counts blank, NA, N/A, NaN, null, ? in any case, JSON null and left-out cells', () => {
    const cells = ['', '   ', 'NA', 'n/a', ' NaN ', 'NULL', '?', null, undefined, Number.NaN, '4'];
    expect(only(cells)).toMatchObject({ type: 'numeric', missing: 10, distinct: 1, mean: 4 });
    const table = { header: ['a', 'b'], rows: [['1', '2'], ['3']] };
    expect(profileTable(table).columns[1]).toMatchObject({ missing: 1, mean: 2 });
  });

  it('takes its own tokens, blank and null staying missing', () => {
    const profile = only(['-', 'NA', '', null, '5'], { missingTokens: ['-'] });
    expect(profile).toMatchObject({ type: 'categorical', missing: 3, distinct: 2 });
  });

  it('calls a column with every cell missing ignored', () => {
    expect(only(['', 'NA', null])).toEqual({
      name: 'x',
      type: 'ignored',
      missing: 3,
      distinct: 0,
      reason: 'every row is missing',
    });
  });
});

describe('profileTable overrides', () => {
  it('reads integer codes as categories, 0/1 as booleans, words as ignored', () => {
    const columns = { Cylinders: 'categorical', Name: 'ignored' } as const;
    expect(column(cars, 'Cylinders', { columns })).toMatchObject({
      type: 'categorical',
      top: [
        { value: '4', count: 207 },
        { value: '8', count: 108 },
        { value: '6', count: 84 },
        { value: '3', count: 4 },
        { value: '5', count: 3 },
      ],
    });
    expect(column(cars, 'Name', { columns })).toMatchObject({
      type: 'ignored',
      distinct: 311,
      reason: 'set in columns',
    });
    expect(only(['0', '1', 1, ''], { columns: { x: 'boolean' } })).toMatchObject({
      type: 'boolean',
      top: [
        { value: true, count: 2 },
        { value: false, count: 1 },
      ],
    });
  });

  it('keeps leading zeros of codes overridden to categories', () => {
    expect(only(['02134', '2134'], { columns: { x: 'categorical' } })).toMatchObject({
      distinct: 2,
    });
  });

  it('names a misspelt column and lists the real ones', () => {
    expect(issuesOf(() => profileTable(cars, { columns: { Nmae: 'ignored' } }))).toEqual([
      {
        path: 'columns.Nmae',
        message:
          'no column named Nmae; the columns are Name, Miles_per_Gallon, Cylinders, Displacement, Horsepower, Weight_in_lbs, Acceleration, Year, Origin',
      },
    ]);
    const issue = onlyIssue(() => profileTable(cars, { columns: { origin: 'categorical' } }));
    expect(issue.message).toMatch(/^no column named origin \(did you mean Origin\?\); the columns/);
  });

  it('refuses a type a column cannot hold, naming the first offending cell and its row', () => {
    const columns = { Origin: 'numeric', Name: 'datetime' } as const;
    expect(issuesOf(() => profileTable(cars, { columns }))).toEqual([
      {
        path: 'columns.Name',
        message:
          'is set to datetime, but row 1 holds "chevrolet chevelle m...", which is not an ISO 8601 date (YYYY-MM-DD) or date-time; correct or blank that cell, or set the column to text',
      },
      {
        path: 'columns.Origin',
        message:
          'is set to numeric, but row 1 holds "USA", which is not a finite number; correct or blank that cell, or set the column to categorical',
      },
    ]);
    const issue = onlyIssue(() =>
      profileTable(single(['1', '', '2']), { columns: { x: 'boolean' } }),
    );
    expect(issue.message).toMatch(/^is set to boolean, but row 3 holds "2", which is not/);
  });

  it('refuses an unknown type and a type for a column with every cell missing', () => {
    const columns = { x: 'number' } as never;
    expect(onlyIssue(() => profileTable(single(['1']), { columns })).message).toBe(
      'must be one of numeric, categorical, boolean, datetime, text, id, ignored (got "number")',
    );
    expect(onlyIssue(() => only(['', null], { columns: { x: 'numeric' } }))).toEqual({
      path: 'columns.x',
      message: 'is set to numeric, but every row is missing; set it to ignored or leave it out',
    });
    expect(only(['', null], { columns: { x: 'text' } }).type).toBe('text');
  });
});

describe('profileTable table shape', () => {
  it('refuses empty and duplicate header names, naming their positions', () => {
    const table = { header: ['a', '', 'b', 'a', ' '], rows: [['1', '2', '3', '4', '5']] };
    expect(issuesOf(() => profileTable(table))).toEqual([
      { path: 'header', message: 'column 2 has no name; name every column' },
      { path: 'header', message: 'columns 1 and 4 are both named a; rename one' },
      { path: 'header', message: 'column 5 has no name; name every column' },
    ]);
  });

  it('refuses no rows, no columns and a row longer than the header', () => {
    expect(onlyIssue(() => profileTable({ header: ['a'], rows: [] })).path).toBe('rows');
    expect(onlyIssue(() => profileTable({ header: [], rows: [[]] })).path).toBe('header');
    expect(onlyIssue(() => profileTable({ header: ['a'], rows: [['1'], ['2', '3']] }))).toEqual({
      path: 'rows',
      message:
        'row 2 has 2 cells but the header names 1 columns; name every column or remove the extra cells',
    });
  });

  it('profiles one row', () => {
    const profile = profileTable({ header: ['n', 's', 'd'], rows: [['2.5', 'a', '2020-01-01']] });
    expect(profile.columns).toEqual([
      {
        name: 'n',
        type: 'numeric',
        missing: 0,
        distinct: 1,
        min: 2.5,
        max: 2.5,
        mean: 2.5,
        std: 0,
        median: 2.5,
        integer: false,
      },
      { name: 's', type: 'categorical', missing: 0, distinct: 1, top: [{ value: 'a', count: 1 }] },
      {
        name: 'd',
        type: 'datetime',
        missing: 0,
        distinct: 1,
        min: '2020-01-01',
        max: '2020-01-01',
      },
    ]);
  });
});

describe('JSON records', () => {
  const csv = {
    header: ['n', 'b', 's'],
    rows: [
      ['1.5', 'true', 'x'],
      ['', 'false', ''],
      ['-2', 'NA', 'y'],
    ],
  };
  const records = [
    { n: 1.5, b: true, s: 'x' },
    { n: null, b: false },
    { n: -2, b: null, s: 'y' },
  ];

  it('profile as the same cells written in a CSV', () => {
    const table = tableFromRecords(records);
    expect(table).toEqual({
      header: ['n', 'b', 's'],
      rows: [
        [1.5, true, 'x'],
        [null, false, undefined],
        [-2, null, 'y'],
      ],
    });
    expect(profileTable(table)).toEqual(profileTable(csv));
    expect(profileTable(table).columns.map((c) => [c.type, c.missing])).toEqual([
      ['numeric', 1],
      ['boolean', 1],
      ['categorical', 1],
    ]);
  });

  it('keep a prototype key as an ordinary column', () => {
    const table = tableFromRecords(JSON.parse('[{"__proto__": 1, "a": 2}, {"__proto__": 3}]'));
    expect(table.header).toEqual(['__proto__', 'a']);
    expect(profileTable(table).columns[0]).toMatchObject({ name: '__proto__', mean: 2 });
  });

  it('refuse values that are not cells, and records that are not objects', () => {
    expect(issuesOf(() => tableFromRecords([{ a: 1 }, { a: { b: 2 } }, [1], 'x']))).toEqual([
      { path: 'records.1.a', message: 'must be a string, number, boolean or null (got object)' },
      { path: 'records.2', message: 'must be an object of column: value (got an array)' },
      { path: 'records.3', message: 'must be an object of column: value (got "x")' },
    ]);
  });
});

describe('profileTable property', () => {
  // a cell: a number written as text or as JSON, or one of the missing forms
  const present = fc
    .oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: -50, max: 50 }))
    .map((v) => v + 0); // -0 as 0: String(-0) is "0"

  const cell = fc.oneof(
    present.map((v) => ({ cell: String(v) as Cell, value: v })),
    present.map((v) => ({ cell: v as Cell, value: v })),
    fc.constantFrom<Cell>('', ' ', 'NA', '?', null).map((c) => ({ cell: c, value: undefined })),
  );

  it('gives the float64 reference statistics and counts the blanks', () => {
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 60 }), (cells) => {
        const profile = only(cells.map((c) => c.cell));
        const values = cells.flatMap((c) => (c.value === undefined ? [] : [c.value]));
        expect(profile.missing).toBe(cells.length - values.length);
        if (values.length === 0) {
          expect(profile.type).toBe('ignored');
        } else {
          expectStats(profile, values);
          expect(profile.distinct).toBe(new Set(values).size);
        }
      }),
      { numRuns: 300 },
    );
  });
});
