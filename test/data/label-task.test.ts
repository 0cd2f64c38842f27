import { describe, expect, it } from 'vitest';
import { type LabelProfile, profileTable } from '../../src/data/profile.js';
import type { Cell } from '../../src/data/table.js';
import { onlyIssue } from '../helpers/issues.js';

/** A table of a feature `f` and a label `y`; the label's profile with `task`. */
function labelOf(labels: Cell[], task?: 'classification' | 'regression'): LabelProfile {
  const table = { header: ['f', 'y'], rows: labels.map((y, i): Cell[] => [String(i), y]) };
  return profileTable(table, { label: 'y', ...(task ? { task } : {}) }).label!;
}

const repeat = (values: Cell[], times: number): Cell[] =>
  Array.from({ length: times }, () => values).flat();

describe('label task', () => {
  it('makes words and booleans classes', () => {
    expect(labelOf(['cat', 'dog', 'cat'])).toMatchObject({
      task: 'classification',
      reason: 'categorical label: 2 classes',
    });
    expect(labelOf([true, 'no', 'yes']).task).toBe('classification');
  });

  it('makes few integers classes: at most 20 distinct, at most half the present rows', () => {
    expect(labelOf(repeat([0, 1], 2))).toMatchObject({
      task: 'classification',
      reason:
        'integer label with 2 distinct values in 4 rows: class codes (set task to regression to predict a number)',
    });
    expect(
      labelOf(
        repeat(
          Array.from({ length: 20 }, (_, i) => i),
          2,
        ),
      ).task,
    ).toBe('classification');
    expect(
      labelOf(
        repeat(
          Array.from({ length: 21 }, (_, i) => i),
          2,
        ),
      ),
    ).toMatchObject({
      task: 'regression',
      reason: 'integer label with 21 distinct values in 42 rows: a regression target',
    });
    expect(labelOf([0, 1, 2, 1, 0]).task).toBe('regression'); // 3 distinct is over half of 5
  });

  it('makes real values a regression target', () => {
    expect(labelOf(repeat([0.5, 1], 5))).toMatchObject({
      task: 'regression',
      reason: 'real-valued label in 10 rows: a regression target',
    });
  });

  it('follows task for numbers and refuses regression on words', () => {
    expect(labelOf(repeat([0, 1], 5), 'regression').task).toBe('regression');
    expect(labelOf([0.5, 1.5], 'classification')).toMatchObject({
      task: 'classification',
      reason: 'task set to classification',
    });
    expect(onlyIssue(() => labelOf(['a', 'b'], 'regression'))).toEqual({
      path: 'task',
      message:
        'is regression, but the label y is categorical, not numbers; set task to classification or choose a numeric label',
    });
  });

  it('refuses dates, ids and all-missing columns as labels', () => {
    expect(onlyIssue(() => labelOf(['2020-01-01']))).toEqual({
      path: 'label',
      message:
        'y is datetime and cannot be a label; choose another column, or set its type in columns',
    });
    const ids = Array.from({ length: 10 }, (_, i) => `id${i}`);
    expect(onlyIssue(() => labelOf(ids)).message).toBe(
      'y is id (unique in every row (10 rows)) and cannot be a label; choose another column, or set its type in columns',
    );
    expect(onlyIssue(() => labelOf(['', null])).message).toMatch(
      /^y is ignored \(every row is missing\)/,
    );
  });

  it('counts the rows dropped for a missing label and lists the first 20', () => {
    const labels = repeat(['a', 'NA', 'b', ''], 15); // rows 2, 4, 6, … are missing
    expect(labelOf(labels).droppedRows).toEqual({
      count: 30,
      rows: Array.from({ length: 20 }, (_, i) => 2 * i + 2),
    });
  });

  it('names an unknown label column and an unknown task', () => {
    const table = { header: ['a', 'b'], rows: [['1', '2']] };
    expect(onlyIssue(() => profileTable(table, { label: 'B' }))).toEqual({
      path: 'label',
      message: 'no column named B (did you mean b?); the columns are a, b',
    });
    expect(onlyIssue(() => profileTable(table, { label: 'b', task: 'ranking' as never }))).toEqual({
      path: 'task',
      message: 'must be classification or regression (got "ranking")',
    });
  });
});
