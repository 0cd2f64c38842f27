import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvFile } from '../../src/data/csv.js';
import { rowsOf } from '../../src/data/dataset.js';
import { ValidationError } from '../../src/errors.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

const flowers = 'a,b,kind\n1,2,rose\n3,4,iris\n5,6,rose\n';
const indexed = 'a,b,label\n1,2,1\n3,4,0\n5,6,2\n';
const regression = 'x1,x2,y\n0.5,-1,2.25\n1e-1,3,0\n';

describe('parseCsv', () => {
  it('reads class indices from the label column', () => {
    const d = parseCsv(indexed, { label: 'label' });
    expect(d).toMatchObject({ rows: 3, features: 2, outputs: 3, featureNames: ['a', 'b'] });
    expect(d.classes).toEqual([0, 1, 2]);
    expect(Array.from(d.labels!)).toEqual([1, 0, 2]);
    expect(rowsOf(d.targets, 3, 3)[0]).toEqual([0, 1, 0]);
  });

  it('reads class names, sorted', () => {
    const d = parseCsv(flowers, { label: 'kind' });
    expect(d.classes).toEqual(['iris', 'rose']);
    expect(Array.from(d.labels!)).toEqual([1, 0, 1]);
  });

  it('treats a label column with a negative or fractional number as names', () => {
    const d = parseCsv('a,c\n1,-1\n2,0.5\n3,2\n', { label: 'c' });
    expect(d.classes).toEqual(['-1', '0.5', '2']);
  });

  it('puts the label column anywhere', () => {
    const d = parseCsv('kind,a\nx,1\ny,2\n', { label: 'kind' });
    expect(d.featureNames).toEqual(['a']);
    expect(Array.from(d.inputs)).toEqual([1, 2]);
  });

  it('reads regression targets', () => {
    const d = parseCsv(regression, { targets: ['y'] });
    expect(d).toMatchObject({ rows: 2, features: 2, outputs: 1, featureNames: ['x1', 'x2'] });
    expect(Array.from(d.inputs)).toEqual([0.5, -1, Math.fround(0.1), 3]);
    expect(Array.from(d.targets)).toEqual([2.25, 0]);
    expect(d.labels).toBeUndefined();
  });

  it('reads prediction inputs: every column a feature, no outputs', () => {
    const d = parseCsv(regression, {});
    expect(d).toMatchObject({ rows: 2, features: 3, outputs: 0 });
    expect(d.targets).toHaveLength(0);
  });

  it('strips a BOM, blank lines, CRLF and spaces', () => {
    const d = parseCsv('\uFEFFa , label\r\n 1 ,0\r\n\r\n2, 1\r\n', { label: 'label' });
    expect(d.featureNames).toEqual(['a']);
    expect(Array.from(d.inputs)).toEqual([1, 2]);
    expect(Array.from(d.labels!)).toEqual([0, 1]);
  });

  it('rejects an empty file and a header with no rows', () => {
    expect(issuesOf(() => parseCsv('', {}))[0]!.path).toBe('csv');
    expect(issuesOf(() => parseCsv('\n\n', {}))[0]!.path).toBe('csv');
    expect(issuesOf(() => parseCsv('a,b\n', {}))[0]!.message).toMatch(/no data rows/);
  });

  it('names the columns that exist when the label column is unknown', () => {
    const issues = issuesOf(() => parseCsv(flowers, { label: 'species' }));
    expect(issues).toEqual([
      { path: 'label', message: 'no column named species; the columns are a, b, kind' },
    ]);
  });

  it('rejects unknown target columns, both options at once, and no features left', () => {
    expect(issuesOf(() => parseCsv(regression, { targets: ['y', 'z'] }))[0]!.path).toBe(
      'targets.1',
    );
    expect(issuesOf(() => parseCsv(regression, { targets: [] }))[0]!.path).toBe('targets');
    expect(issuesOf(() => parseCsv(regression, { label: 'y', targets: ['y'] }))[0]!.path).toBe(
      'targets',
    );
    expect(issuesOf(() => parseCsv('y\n1\n', { label: 'y' }))[0]!.path).toBe('label');
  });

  it('names the line and column of a non-numeric cell', () => {
    const issues = issuesOf(() =>
      parseCsv('a,b,label\n1,2,0\n3,oops,1\n\n5,,0\n', { label: 'label' }),
    );
    expect(issues).toEqual([
      {
        path: 'csv.line 3',
        message: 'column b: "oops" is not a number; every cell must be a finite number',
      },
      { path: 'csv.line 5', message: 'column b: is empty; every cell must be a finite number' },
    ]);
  });

  it('rejects non-numeric target cells and empty class cells', () => {
    expect(issuesOf(() => parseCsv('x,y\n1,NaN\n', { targets: ['y'] }))[0]!.path).toBe(
      'csv.line 2',
    );
    expect(issuesOf(() => parseCsv('x,y\n1,a\n2,\n', { label: 'y' }))[0]!.path).toBe('csv.line 3');
  });

  it('names the line of a ragged row', () => {
    const issues = issuesOf(() => parseCsv('a,b,label\n1,2,0\n3,4\n5,6,0,7\n', { label: 'label' }));
    expect(issues).toEqual([
      { path: 'csv.line 3', message: 'has 2 values; the header has 3 columns' },
      { path: 'csv.line 4', message: 'has 4 values; the header has 3 columns' },
    ]);
  });

  it('rejects duplicate and empty header names', () => {
    const issues = issuesOf(() => parseCsv('a,a,,y\n1,2,3,4\n', {}));
    expect(issues.map((i) => i.path)).toEqual(['csv.line 1', 'csv.line 1']);
  });

  it('reports a broken quote with its line', () => {
    expect(issuesOf(() => parseCsv('a,b\n1,"2\n3,4\n', {}))[0]!.path).toBe('csv.line 3');
  });

  it('maps a class index that is too large to its line', () => {
    expect(issuesOf(() => parseCsv('a,c\n1,0\n2,99999999\n', { label: 'c' }))[0]!.path).toBe(
      'csv.line 3',
    );
  });
});

describe('parseCsvFile', () => {
  it('reads a file', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'csv-test-')), 'flowers.csv');
    writeFileSync(path, flowers);
    expect(parseCsvFile(path, { label: 'kind' }).rows).toBe(3);
  });

  it('reports a missing file as a validation error', () => {
    const issues = issuesOf(() => parseCsvFile('/nonexistent/flowers.csv', {}));
    expect(issues[0]).toEqual({
      path: 'csv',
      message: 'cannot read /nonexistent/flowers.csv (ENOENT)',
    });
  });
});
