import { describe, expect, it } from 'vitest';
import { fromInputs, fromLabels, fromTargets, rowsOf, subsetRows } from '../../src/data/dataset.js';
import { ValidationError } from '../../src/errors.js';

/** The ValidationError thrown by `fn`, so tests can look at its issues. */
function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error('expected a ValidationError');
}

const paths = (fn: () => unknown): string[] => issuesOf(fn).map((i) => i.path);

const square = [
  [0, 1],
  [2, 3],
  [4, 5],
];

describe('fromTargets', () => {
  it('flattens inputs and targets row-major', () => {
    const d = fromTargets(square, [[1], [2], [3]]);
    expect(d).toMatchObject({ rows: 3, features: 2, outputs: 1 });
    expect(Array.from(d.inputs)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(d.targets)).toEqual([1, 2, 3]);
    expect(d.labels).toBeUndefined();
  });

  it('rejects empty inputs', () => {
    expect(paths(() => fromTargets([], [[1]]))).toEqual(['inputs']);
    expect(paths(() => fromTargets([[]], [[1]]))).toEqual(['inputs.0']);
  });

  it('names a ragged row and the width it needs', () => {
    const issues = issuesOf(() =>
      fromTargets(
        [
          [1, 2, 3, 4],
          [1, 2, 3, 4],
          [1, 2, 3, 4],
          [1, 2, 3, 4, 5],
        ],
        [[0], [0], [0], [0]],
      ),
    );
    expect(issues).toEqual([
      { path: 'inputs.3', message: 'row 3 has 5 values; every row needs 4 like row 0' },
    ]);
  });

  it('lists every non-finite value, in inputs and targets', () => {
    const issues = issuesOf(() =>
      fromTargets(
        [
          [1, Number.NaN],
          [Number.POSITIVE_INFINITY, '2'],
        ] as unknown[][],
        [[0], [null]] as unknown[][],
      ),
    );
    expect(issues.map((i) => i.path)).toEqual([
      'inputs.0.1',
      'inputs.1.0',
      'inputs.1.1',
      'targets.1.0',
    ]);
    expect(issues[0]!.message).toBe('must be a finite number (got NaN)');
    expect(issues[2]!.message).toBe('must be a finite number (got "2")');
  });

  it('rejects numbers past float32, which would be stored as Infinity', () => {
    const issues = issuesOf(() => fromLabels([[1e300], [-1e39], [3.4e38]], [0, 1, 0]));
    expect(issues.map((i) => i.path)).toEqual(['inputs.0.0', 'inputs.1.0']);
    expect(issues[0]!.message).toMatch(
      /^is 1e\+300, past ±3.4e38 \(data is kept as 32-bit floats\)/,
    );
  });

  it('rejects a row that is not an array', () => {
    expect(paths(() => fromTargets([[1], 5] as unknown as number[][], [[0], [0]]))).toEqual([
      'inputs.1',
    ]);
  });

  it('rejects different row counts', () => {
    const issues = issuesOf(() => fromTargets(square, [[1], [2]]));
    expect(issues).toEqual([
      { path: 'targets', message: 'has 2 rows but inputs has 3; give one per input row' },
    ]);
  });

  it('stops after 20 issues and says so', () => {
    const bad = Array.from({ length: 100 }, () => [Number.NaN]);
    const issues = issuesOf(() => fromTargets(bad, bad));
    expect(issues).toHaveLength(21);
    expect(issues[20]).toEqual({ path: '', message: 'only the first 20 issues are listed' });
  });
});

describe('fromInputs', () => {
  it('has no outputs', () => {
    const d = fromInputs(square);
    expect(d).toMatchObject({ rows: 3, features: 2, outputs: 0 });
    expect(d.targets).toHaveLength(0);
  });
});

describe('fromLabels', () => {
  it('one-hot encodes class indices, classes 0..max', () => {
    const d = fromLabels(square, [2, 0, 2]);
    expect(d.outputs).toBe(3);
    expect(d.classes).toEqual([0, 1, 2]);
    expect(Array.from(d.labels!)).toEqual([2, 0, 2]);
    expect(rowsOf(d.targets, 3, 3)).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 0, 1],
    ]);
  });

  it('sorts string classes and indexes rows by them', () => {
    const d = fromLabels(square, ['virginica', 'setosa', 'versicolor']);
    expect(d.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(d.labels!)).toEqual([2, 0, 1]);
    expect(Array.from(d.targets)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
  });

  it('rejects non-integer, negative and mixed labels', () => {
    expect(paths(() => fromLabels(square, [0, 1.5, -1]))).toEqual(['labels.1', 'labels.2']);
    expect(paths(() => fromLabels(square, ['a', 1, 'b']))).toEqual(['labels.1']);
    expect(paths(() => fromLabels(square, [0, 'a', 1]))).toEqual(['labels.1']);
    expect(issuesOf(() => fromLabels(square, [0, 1.5, 1]))[0]!.message).toMatch(
      /non-negative integer/,
    );
  });

  it('rejects empty or missing labels', () => {
    expect(paths(() => fromLabels(square, []))).toEqual(['labels']);
    expect(paths(() => fromLabels(square, [0, 1]))).toEqual(['labels']);
    expect(paths(() => fromLabels(square, ['a', '', 'b']))).toEqual(['labels.1']);
  });

  it('rejects absurd class indices', () => {
    expect(paths(() => fromLabels([[1]], [1e9]))).toEqual(['labels.0']);
  });

  it('reports input and label issues together', () => {
    expect(paths(() => fromLabels([[1], [Number.NaN]], [0, -1]))).toEqual([
      'inputs.1.0',
      'labels.1',
    ]);
  });
});

describe('subsetRows', () => {
  it('copies the chosen rows in order and keeps classes', () => {
    const d = fromLabels(square, ['b', 'a', 'c']);
    d.featureNames = ['u', 'v'];
    const s = subsetRows(d, [2, 0]);
    expect(s).toMatchObject({ rows: 2, features: 2, outputs: 3, featureNames: ['u', 'v'] });
    expect(rowsOf(s.inputs, 2, 2)).toEqual([
      [4, 5],
      [0, 1],
    ]);
    expect(Array.from(s.labels!)).toEqual([2, 1]);
    expect(s.classes).toEqual(['a', 'b', 'c']);
    expect(rowsOf(s.targets, 2, 3)).toEqual([
      [0, 0, 1],
      [0, 1, 0],
    ]);
    s.inputs[0] = 99;
    expect(d.inputs[4]).toBe(4);
  });

  it('refuses an index past the end', () => {
    expect(() => subsetRows(fromInputs(square), [3])).toThrow(RangeError);
  });
});
