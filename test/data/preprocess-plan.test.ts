import { describe, expect, it } from 'vitest';
import { type PlanSpec, planTable } from '../../src/data/preprocess/plan.js';
import { profileTable } from '../../src/data/profile.js';
import type { Cell, Table } from '../../src/data/table.js';
import { issuesOf, onlyIssue } from '../helpers/issues.js';

/** A table of named columns of 12 rows each. */
function tableOf(columns: Record<string, Cell[]>): Table {
  const header = Object.keys(columns);
  const rows = columns[header[0]!]!.map((_, r) => header.map((h) => columns[h]![r]));
  return { header, rows };
}

const n = 12;
const cycle = (values: Cell[]) => Array.from({ length: n }, (_, r) => values[r % values.length]!);
const table = tableOf({
  name: Array.from({ length: n }, (_, r) => `car ${r}`), // unique: id
  power: cycle(['95', '', '110.5', '70']), // numeric with blanks
  weight: cycle(['3', '4', '5']), // numeric, no blanks
  codes: cycle(['0', '1', '2']), // integer codes
  flag: cycle(['0', '1']), // numeric 0/1
  turbo: cycle(['yes', 'no', 'NA']), // boolean with a missing token
  origin: cycle(['USA', 'Japan', 'Europe', '']), // categorical with blanks
  day: cycle(['2020-01-01', '2021-06-30']), // dates alone
  at: cycle(['2020-01-01T10:00:00Z', '2021-06-30 23:59']), // date-times
  empty: cycle(['', 'NA']), // every row missing
  mpg: cycle(['18.5', '20', '31.25', '15', '17']), // real: regression
  kind: cycle(['a', 'b']), // classes
});
const profile = profileTable(table, { label: 'mpg' });
const plan = (spec: PlanSpec = {}, label = 'mpg') =>
  planTable(label === 'mpg' ? profile : profileTable(table, { label }), spec);
const widths = (spec: PlanSpec = {}) =>
  Object.fromEntries(plan(spec).inputs.map((c) => [c.name, `${c.type} ${c.width}`]));

describe('planTable widths', () => {
  it('gives each type its inputs, and skips ids and empty columns with reasons', () => {
    expect(widths()).toEqual({
      power: 'numeric 1',
      weight: 'numeric 1',
      codes: 'numeric 1',
      flag: 'numeric 1',
      turbo: 'boolean 1',
      origin: 'categorical 4', // 3 categories + other
      day: 'datetime 5',
      at: 'datetime 7', // + hour sin/cos
      kind: 'categorical 3',
    });
    const p = plan();
    expect(p.width).toBe(24);
    expect(p.inputs.map((c) => c.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 11]);
    expect(p.skipped.map((s) => [s.name, s.type])).toEqual([
      ['name', 'id'],
      ['empty', 'ignored'],
    ]);
    expect(p.label).toMatchObject({ name: 'mpg', index: 10, task: 'regression' });
  });

  it('adds a missing indicator and a missing slot only to columns with blanks', () => {
    const w = widths({ preprocessing: { missingIndicator: true, categoricalImpute: 'missing' } });
    expect([w.power, w.weight, w.origin, w.kind]).toEqual([
      'numeric 2',
      'numeric 1',
      'categorical 5',
      'categorical 3',
    ]);
  });

  it('caps the category slots at maxCategories, and keeps the options', () => {
    const p = plan({ preprocessing: { maxCategories: 2, minFrequency: 3, fillValue: undefined } });
    expect(p.inputs.find((c) => c.name === 'origin')?.width).toBe(3);
    expect(p.options).toEqual({
      numericImpute: 'median',
      fillValue: 0,
      missingIndicator: false,
      categoricalImpute: 'most_frequent',
      maxCategories: 2,
      minFrequency: 3,
    });
  });
});

describe('planTable overrides', () => {
  it('reads a column as categorical, 0/1 numbers as boolean, and skips on request', () => {
    const p = plan({
      columns: { codes: 'categorical', flag: 'boolean', name: 'categorical', day: 'ignored' },
    });
    const w = Object.fromEntries(p.inputs.map((c) => [c.name, `${c.type} ${c.width}`]));
    expect([w.codes, w.flag, w.name]).toEqual(['categorical 4', 'boolean 1', 'categorical 13']);
    expect(p.skipped).toContainEqual({ name: 'day', type: 'ignored', reason: 'set in columns' });
  });

  it('refuses overrides the profile cannot hold, all at once, under columns.NAME', () => {
    const issues = issuesOf(() =>
      plan({
        columns: {
          origin: 'numeric',
          codes: 'boolean',
          weight: 'datetime',
          empty: 'numeric',
          turbo: 'number' as never,
        },
      }),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'columns.weight',
      'columns.codes',
      'columns.turbo',
      'columns.origin',
      'columns.empty',
    ]);
    expect(issues[3]!.message).toMatch(
      /^is set to numeric, but the column holds values that are not finite numbers \(it reads as categorical such as "Europe", "Japan", "USA"\); set it to categorical or ignored$/,
    );
    expect(issues[2]!.message).toMatch(
      /^must be one of numeric, categorical, boolean, datetime, text, id, ignored/,
    );
    expect(issues[4]!.message).toBe(
      'is set to numeric, but every row is missing; set it to ignored',
    );
  });

  it('names a misspelt column and lists the real ones', () => {
    const issue = onlyIssue(() => plan({ columns: { Power: 'ignored' } }));
    expect(issue.path).toBe('columns.Power');
    expect(issue.message).toMatch(
      /^no column named Power \(did you mean power\?\); the columns are name, power, weight/,
    );
  });

  it('reads the label as classes when set categorical, and refuses other label types', () => {
    const p = plan({ columns: { mpg: 'categorical' } });
    expect(p.label).toMatchObject({ name: 'mpg', task: 'classification' });
    expect(p.inputs.map((c) => c.name)).not.toContain('mpg');
    const issue = onlyIssue(() => plan({ columns: { kind: 'numeric' } }, 'kind'));
    expect(issue.path).toBe('columns.kind');
    expect(issue.message).toMatch(
      /^is the label; it can be read as categorical \(classes\) or as profiled \(categorical\)/,
    );
  });

  it('takes the task from the job: classes of numbers, never regression on words', () => {
    expect(plan({ task: 'classification' }).label.task).toBe('classification');
    expect(plan({ task: 'regression' }, 'codes').label.task).toBe('regression');
    expect(plan({}, 'codes').label.task).toBe('classification');
    const issue = onlyIssue(() => plan({ task: 'regression' }, 'kind'));
    expect(issue.path).toBe('task');
    expect(issue.message).toMatch(/^is regression, but the label kind is categorical, not numbers/);
  });

  it('refuses a plan with nothing left to learn from', () => {
    const small = tableOf({ id: cycle(['x', 'y', 'z', 'w']), y: cycle(['1.5', '2.5']) });
    const issue = onlyIssue(() =>
      planTable(profileTable(small, { label: 'y' }), { columns: { id: 'ignored' } }),
    );
    expect(issue).toEqual({
      path: 'columns',
      message:
        'no column is left to learn from: every column but the label y is skipped (id: ignored); set one to numeric or categorical',
    });
  });
});
