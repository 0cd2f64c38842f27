import { describe, expect, it } from 'vitest';
import { encodeTable } from '../../src/data/encoded-table.js';
import { fractionalYear, inputNamesOf } from '../../src/data/preprocess/steps.js';
import {
  decodeOutputs,
  transformRecords,
  transformTable,
} from '../../src/data/preprocess/transform.js';
import type { ColumnStep, Preprocessor } from '../../src/spec/preprocessing.js';
import { defaultPreprocessOptions } from '../../src/spec/preprocessing.js';
import { issuesOf, onlyIssue } from '../helpers/issues.js';

const { sin, cos, PI } = Math;
const turn = 2 * PI;

/** A preprocessing built by hand: every statistic chosen so the inputs are easy to work out. */
function preprocessor(columns: ColumnStep[], skipped: Preprocessor['skipped'] = []): Preprocessor {
  const inputNames = inputNamesOf(columns);
  return {
    missingTokens: ['NA', '?'],
    columns,
    skipped,
    width: inputNames.length,
    inputNames,
    options: defaultPreprocessOptions,
  };
}

const power: ColumnStep = {
  name: 'Horsepower',
  type: 'numeric',
  fill: 100,
  mean: 104,
  std: 2,
  indicator: true,
};
const turbo: ColumnStep = { name: 'Turbo', type: 'boolean', fill: 1 };
const origin: ColumnStep = {
  name: 'Origin',
  type: 'categorical',
  categories: ['USA', 'Japan'],
  slots: 3,
  fill: null,
  missingSlot: true,
};
const year: ColumnStep = {
  name: 'Year',
  type: 'datetime',
  fill: Date.UTC(1970, 0, 1),
  yearMean: 1975,
  yearStd: 5,
  hours: false,
};
const cars = preprocessor(
  [power, turbo, origin, year],
  [{ name: 'Name', type: 'id', reason: 'unique' }],
);

// 1980-07-02 is a Wednesday (3), 183 days into a leap year: 1980.5; 1970-01-01 a Thursday (4).
const july1980 = [
  (1980.5 - 1975) / 5,
  sin(turn / 2),
  cos(turn / 2),
  sin((turn * 3) / 7),
  cos((turn * 3) / 7),
];
const jan1970 = [(1970 - 1975) / 5, 0, 1, sin((turn * 4) / 7), cos((turn * 4) / 7)];
/** Horsepower 110, turbo, Japan, 1980-07-02. */
const rowA = [3, 0, 1, 0, 1, 0, 0, 0, ...july1980];
/** Everything missing: Horsepower 100 (+ indicator), turbo (fill), Origin (missing), 1970. */
const rowB = [-2, 1, 1, 0, 0, 0, 1, 0, ...jan1970];
/** Horsepower 96, no turbo, an unseen origin (other), 1970-01-01. */
const rowC = [-4, 0, 0, 0, 0, 0, 0, 1, ...jan1970];

function expectRows(actual: Float32Array, expected: number[][]) {
  expect(actual.length).toBe(expected.length * expected[0]!.length);
  expected.flat().forEach((v, i) => expect(actual[i], `input ${i}`).toBeCloseTo(v, 6));
}

describe('the layout of the inputs', () => {
  it('names each slot in order, unfilled category slots included', () => {
    expect(cars.inputNames).toEqual([
      'Horsepower',
      'Horsepower (missing)',
      'Turbo',
      'Origin=USA',
      'Origin=Japan',
      'Origin (unused 1)',
      'Origin (missing)',
      'Origin (other)',
      'Year (year)',
      'Year (month sin)',
      'Year (month cos)',
      'Year (weekday sin)',
      'Year (weekday cos)',
    ]);
    expect(cars.width).toBe(13);
  });

  it('reads the fractional year', () => {
    expect(fractionalYear(Date.UTC(1980, 6, 2))).toBe(1980.5);
    expect(fractionalYear(Date.UTC(2021, 0, 1))).toBe(2021);
    expect(fractionalYear(Date.UTC(2021, 0, 1, 12))).toBe(2021 + 0.5 / 365);
    expect(fractionalYear(Date.UTC(1969, 11, 31, 18))).toBe(1969 + 364.75 / 365);
  });
});

describe('transformTable', () => {
  const table = encodeTable(
    {
      header: ['Name', 'Horsepower', 'Turbo', 'Origin', 'Year', 'Mpg'],
      rows: [
        ['a', '110', 'yes', 'Japan', '1980-07-02', '20'],
        ['b', '', 'NA', '?', null, '21'],
        ['c', ' 96 ', '0', 'Mars', '1970-01-01', '22'],
      ],
    },
    cars.missingTokens,
  );
  const columns = [1, 2, 3, 4];

  it('encodes each slot as documented: scaled numbers, 0/1, one-hot, calendar', () => {
    expectRows(transformTable(cars, table, columns, Uint32Array.of(0, 1, 2)), [rowA, rowB, rowC]);
  });

  it('gives the rows asked for, in the order asked', () => {
    expectRows(transformTable(cars, table, columns, Uint32Array.of(2, 0)), [rowC, rowA]);
    expect(transformTable(cars, table, columns, new Uint32Array(0))).toHaveLength(0);
  });

  it('fills a missing category with its fill category, or "other" with neither fill nor slot', () => {
    const filled = { ...origin, fill: 'USA', missingSlot: false, slots: 2 } as ColumnStep;
    const bare = { ...origin, fill: null, missingSlot: false, slots: 2 } as ColumnStep;
    const pre = preprocessor([filled, bare]);
    expect(Array.from(transformTable(pre, table, [3, 3], Uint32Array.of(1, 2)))).toEqual([
      ...[1, 0, 0, 0, 0, 1],
      ...[0, 0, 1, 0, 0, 1],
    ]);
  });

  it('treats a stored text its type cannot read as missing', () => {
    const pre = preprocessor([{ ...power, name: 'Name' } as ColumnStep]);
    expect(Array.from(transformTable(pre, table, [0], Uint32Array.of(0)))).toEqual([-2, 1]);
  });

  it('refuses a column map of the wrong length', () => {
    expect(() => transformTable(cars, table, [1, 2], Uint32Array.of(0))).toThrow(
      /2 column indices/,
    );
  });
});

describe('transformRecords', () => {
  it('reads records by column name like the stored table', () => {
    const { inputs, rows, warnings } = transformRecords(
      cars,
      [
        { Horsepower: 110, Turbo: true, Origin: 'Japan', Year: '1980-07-02' },
        { Horsepower: null, Turbo: 'NA', Origin: ' ', Name: 'skipped', Mpg: 30 },
        { Horsepower: ' 96 ', Turbo: 0, Origin: 'Mars', Year: '1970-01-01' },
      ],
      'records',
      'Mpg',
    );
    expect(rows).toBe(3);
    expectRows(inputs, [rowA, rowB, rowC]);
    expect(warnings).toEqual([
      'records.2.Origin: "Mars" was not among the training rows\' categories; read as Origin (other)',
    ]);
  });

  it('reads booleans as true/false, yes/no and 0/1, numbers as JSON numbers or numeric strings', () => {
    const values = [true, false, 'yes', 'No', 'TRUE', 0, 1, '1', '0'];
    const pre = preprocessor([turbo]);
    const { inputs } = transformRecords(
      pre,
      values.map((Turbo) => ({ Turbo })),
    );
    expect(Array.from(inputs)).toEqual([1, 0, 1, 0, 1, 0, 1, 1, 0]);
    const numbers = preprocessor([{ ...power, indicator: false } as ColumnStep]);
    const read = transformRecords(
      numbers,
      [106, '1e2', '+108', '.5e3'].map((Horsepower) => ({ Horsepower })),
    );
    expect(Array.from(read.inputs)).toEqual([1, -2, 2, 198]);
  });

  it('reads a category by its text: numbers and booleans as JSON writes them', () => {
    const codes = preprocessor([
      {
        name: 'c',
        type: 'categorical',
        categories: ['1', 'true', '2.5'],
        slots: 3,
        fill: '1',
        missingSlot: false,
      },
    ]);
    const { inputs, warnings } = transformRecords(codes, [{ c: 1 }, { c: true }, { c: 2.5 }, {}]);
    expect(Array.from(inputs)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0]);
    expect(warnings).toEqual([]);
  });

  it('reads the time of day when the step has hours, in UTC', () => {
    const at = preprocessor([{ ...year, hours: true } as ColumnStep]);
    const { inputs } = transformRecords(at, [
      { Year: '2021-03-04T06:00:00Z' },
      { Year: '2021-03-04T08:00:00+02:00' },
      { Year: '2021-03-04 18:00' },
    ]);
    const day = (hour: number) => {
      const y = (fractionalYear(Date.UTC(2021, 2, 4, hour)) - 1975) / 5;
      const m = (turn * 2) / 12;
      const w = (turn * 4) / 7;
      const h = (turn * hour) / 24;
      return [y, sin(m), cos(m), sin(w), cos(w), sin(h), cos(h)];
    };
    expectRows(inputs, [day(6), day(6), day(18)]);
  });

  it('names the record and the field of a value its column cannot read', () => {
    const issues = issuesOf(() =>
      transformRecords(cars, [
        { Horsepower: 'abc' },
        { Turbo: 'maybe', Year: 1980 },
        { Origin: { name: 'USA' }, Year: '1980-13-01' },
        { Horsepower: true },
      ]),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'records.0.Horsepower',
      'records.1.Turbo',
      'records.1.Year',
      'records.2.Origin',
      'records.2.Year',
      'records.3.Horsepower',
    ]);
    expect(issues[0]!.message).toBe(
      'must be a number (got "abc"): give a number such as 12.5, or leave it out or null to impute it',
    );
    expect(issues[1]!.message).toMatch(/^must be true\/false, yes\/no or 0\/1 \(got "maybe"\)/);
    expect(issues[2]!.message).toMatch(/^must be an ISO 8601 date .* \(got 1980\)/);
    expect(issues[3]!.message).toBe('must be a string, number, boolean or null (got object)');
    expect(issues[5]!.message).toMatch(/must be a number \(got true\)/);
  });

  it('refuses numbers past 32-bit floats and records that are not objects, under its path', () => {
    const issues = issuesOf(() =>
      transformRecords(
        cars,
        [{ Horsepower: 1e39 }, [1, 2], null, 'x', { Horsepower: '-4e38' }],
        'instances',
      ),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'instances.0.Horsepower',
      'instances.1',
      'instances.2',
      'instances.3',
      'instances.4.Horsepower',
    ]);
    expect(issues[0]!.message).toMatch(/past ±3.4e38/);
    expect(issues[1]!.message).toBe('must be an object of column: value (got an array)');
    expect(issues[2]!.message).toBe('must be an object of column: value (got null)');
  });

  it('lists at most 10 issues, and says so', () => {
    const records = Array.from({ length: 30 }, () => ({ Horsepower: 'x' }));
    const issues = issuesOf(() => transformRecords(cars, records));
    expect(issues).toHaveLength(11);
    expect(issues[10]).toEqual({ path: '', message: 'only the first 10 issues are listed' });
  });

  it('lists the first 10 unseen categories, then counts the rest', () => {
    const records = Array.from({ length: 15 }, (_, i) => ({ Origin: `Place ${i}` }));
    const { warnings } = transformRecords(cars, records);
    expect(warnings).toHaveLength(11);
    expect(warnings[9]).toMatch(/^records\.9\.Origin: "Place 9"/);
    expect(warnings[10]).toBe('and 5 more unseen categories');
  });

  it('warns once about fields the model does not know, not about the label or skipped columns', () => {
    const { warnings } = transformRecords(
      cars,
      [
        { Horsepwr: 100, Name: 'x', Mpg: 3 },
        { Horsepwr: 1, color: 'red' },
      ],
      'records',
      'Mpg',
    );
    expect(warnings).toEqual([
      'records: fields "Horsepwr", "color" ignored: not a column the model reads or its label',
    ]);
  });

  it('lists 10 unknown fields and counts the rest, up to a bound', () => {
    const few = transformRecords(cars, [
      Object.fromEntries([...Array(12).keys()].map((k) => [`f${k}`, k])),
    ]);
    expect(few.warnings).toEqual([
      'records: fields "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9" and 2 more ignored: not a column the model reads or its label',
    ]);
    const wide = Array.from({ length: 30 }, (_, r) =>
      Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`r${r}c${k}`, 1])),
    );
    expect(transformRecords(cars, wide).warnings[0]).toMatch(/ and at least 990 more ignored/);
  });

  it('reads own fields only: prototype keys are data, never reach Object.prototype', () => {
    const records = JSON.parse(
      '[{"__proto__": {"Horsepower": 120}, "constructor": 5, "toString": "x", "Origin": "USA"}]',
    );
    const { inputs, warnings } = transformRecords(cars, records);
    expect(inputs[0]).toBe(-2); // imputed: not read through the own __proto__ object
    expect(inputs[1]).toBe(1);
    expect(warnings).toEqual([
      'records: fields "__proto__", "constructor", "toString" ignored: not a column the model reads or its label',
    ]);
    expect(({} as Record<string, unknown>).Horsepower).toBeUndefined();
    expect(Object.prototype.toString).toBeTypeOf('function');
  });

  it('reads columns named __proto__, constructor and toString from own fields alone', () => {
    const named = preprocessor([
      { ...turbo, name: '__proto__' } as ColumnStep,
      { ...power, name: 'constructor', indicator: true } as ColumnStep,
      { ...origin, name: 'toString' } as ColumnStep,
    ]);
    const records = [
      JSON.parse('{"__proto__": "no", "constructor": 106, "toString": "USA"}'),
      {},
      Object.create(null),
    ];
    const { inputs, warnings } = transformRecords(named, records);
    expect(Array.from(inputs)).toEqual([
      ...[0, 1, 0, 1, 0, 0, 0, 0],
      ...[1, -2, 1, 0, 0, 0, 1, 0],
      ...[1, -2, 1, 0, 0, 0, 1, 0],
    ]);
    expect(warnings).toEqual([]);
    const issue = onlyIssue(() => transformRecords(named, [JSON.parse('{"__proto__": {"a": 1}}')]));
    expect(issue).toEqual({
      path: 'records.0.__proto__',
      message: 'must be a string, number, boolean or null (got object)',
    });
  });

  it('gives nothing for no records', () => {
    expect(transformRecords(cars, [])).toEqual({
      inputs: new Float32Array(0),
      rows: 0,
      warnings: [],
    });
  });
});

describe('decodeOutputs', () => {
  it('answers the most probable class, the first of equals, with the probabilities', () => {
    const target = { name: 'y', task: 'classification', classes: ['cat', 'dog', 3] } as const;
    const outputs = Float32Array.of(0.25, 0.5, 0.25, 0.4, 0.2, 0.4, 0.1, 0.1, 0.8);
    const { predictions, probabilities } = decodeOutputs(
      { ...target, classes: [...target.classes] },
      outputs,
      3,
    );
    expect(predictions).toEqual(['dog', 'cat', 3]);
    expect(probabilities).toEqual([
      [0.25, 0.5, 0.25],
      [Math.fround(0.4), Math.fround(0.2), Math.fround(0.4)],
      [Math.fround(0.1), Math.fround(0.1), Math.fround(0.8)],
    ]);
  });

  it('un-scales a regression output to the label units', () => {
    const target = { name: 'mpg', task: 'regression', mean: 23.5, std: 4 } as const;
    expect(decodeOutputs(target, Float32Array.of(0, 1, -0.5), 3)).toEqual({
      predictions: [23.5, 27.5, 21.5],
    });
  });

  it('refuses outputs of the wrong size', () => {
    const target = { name: 'mpg', task: 'regression', mean: 0, std: 1 } as const;
    expect(() => decodeOutputs(target, new Float32Array(4), 3)).toThrow(/4 outputs for 3 rows/);
  });
});
