import { describe, expect, it } from 'vitest';
import { datasetSchema, generatorNames, parseOrThrow } from '../../src/spec/index.js';
import { issuesOf, onlyIssue } from '../helpers/issues.js';

const parse = (value: unknown) => parseOrThrow(datasetSchema, value, 'dataset');

const forms =
  'give one of: {inputs, targets}, {inputs, labels}, {builtin}, {generator}, {id} (service), {csv} (CLI)';
const unknownField = 'is not a known field: remove it or check its spelling';
const generatorChoice = 'must be one of xor, spirals, circles, sine';

const xorInputs = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];

describe('datasetSchema accepts each form unchanged', () => {
  it.each([
    ['inline targets', { inputs: xorInputs, targets: [[0], [1], [1], [0]] }],
    ['inline class indices', { inputs: xorInputs, labels: [0, 1, 1, 0] }],
    ['inline class names', { inputs: xorInputs, labels: ['no', 'yes', 'yes', 'no'] }],
    ['builtin', { builtin: 'iris' }],
    ['builtin subset', { builtin: 'digits', subset: 'test' }],
    ['xor', { generator: 'xor', samples: 8, noise: 0.1, seed: 3 }],
    ['spirals', { generator: 'spirals', samples: 90, classes: 3, turns: 2, noise: 0, seed: 0 }],
    ['circles', { generator: 'circles', samples: 10, factor: 0.3 }],
    ['sine', { generator: 'sine' }],
    ['csv with a label', { csv: 'data/iris.csv', label: 'species' }],
    ['csv with targets', { csv: 'sine.csv', targets: ['y'] }],
  ])('%s', (_form, value) => {
    expect(parse(value)).toEqual(value);
  });

  it('knows the four generators', () => {
    expect(generatorNames).toEqual(['xor', 'spirals', 'circles', 'sine']);
  });
});

describe('datasetSchema picks the form by its key', () => {
  it.each([null, [], 'iris', 3])('rejects %j: not an object', (value) => {
    expect(onlyIssue(() => parse(value))).toEqual({
      path: 'dataset',
      message: `must be an object: ${forms}`,
    });
  });

  it('rejects an object with no form key, listing the forms', () => {
    expect(onlyIssue(() => parse({ rows: [[1]] }))).toEqual({ path: 'dataset', message: forms });
  });

  it('rejects inputs alone', () => {
    expect(onlyIssue(() => parse({ inputs: xorInputs }))).toEqual({
      path: 'dataset',
      message: 'inline inputs need targets (numbers per row) or labels (one class per row)',
    });
  });

  it('rejects targets and labels together', () => {
    const value = { inputs: xorInputs, targets: [[0], [1], [1], [0]], labels: [0, 1, 1, 0] };
    expect(onlyIssue(() => parse(value))).toEqual({
      path: 'dataset',
      message: 'give targets or labels, not both',
    });
  });

  it("reports a mistake against the chosen form's fields, not as a failed union", () => {
    expect(issuesOf(() => parse({ builtin: 'iris', samples: 10 }))).toEqual([
      { path: 'dataset.samples', message: unknownField },
    ]);
    expect(issuesOf(() => parse({ generator: 'xor', classes: 3 }))).toEqual([
      { path: 'dataset.classes', message: unknownField },
    ]);
  });
});

describe('inline rows', () => {
  it.each([
    [
      { inputs: 'x', targets: [[1]] },
      'dataset.inputs',
      'must be a list of rows (lists of numbers)',
    ],
    [{ inputs: [], targets: [[1]] }, 'dataset.inputs', 'needs at least one row'],
    [{ inputs: [[1]], targets: [] }, 'dataset.targets', 'needs at least one row'],
    [{ inputs: [[1], 2], targets: [[1], [2]] }, 'dataset.inputs.1', 'must be a list of numbers'],
    [{ inputs: [[1, '2']], targets: [[1]] }, 'dataset.inputs.0.1', 'must be a finite number'],
    [{ inputs: [[1]], targets: [[null]] }, 'dataset.targets.0.0', 'must be a finite number'],
    [{ inputs: [[Number.NaN]], targets: [[1]] }, 'dataset.inputs.0.0', 'must be a finite number'],
    [
      { inputs: [[1]], targets: [[Number.NEGATIVE_INFINITY]] },
      'dataset.targets.0.0',
      'must be a finite number',
    ],
    [{ inputs: [['NaN']], targets: [[1]] }, 'dataset.inputs.0.0', 'must be a finite number'],
    [
      JSON.parse('{"inputs": [[1e999]], "targets": [[1]]}'),
      'dataset.inputs.0.0',
      'must be a finite number',
    ],
    [{ inputs: [[[1]]], targets: [[1]] }, 'dataset.inputs.0.0', 'must be a finite number'],
    [{ inputs: [[1]], targets: [[1]], weights: [1] }, 'dataset.weights', unknownField],
  ])('%j', (value, path, message) => {
    expect(onlyIssue(() => parse(value))).toEqual({ path, message });
  });

  it('lists every bad cell', () => {
    const value = { inputs: [[1, 'a'], [true]], targets: [[1], [{}]] };
    expect(issuesOf(() => parse(value)).map((i) => i.path)).toEqual([
      'dataset.inputs.0.1',
      'dataset.inputs.1.0',
      'dataset.targets.1.0',
    ]);
  });

  it('leaves ragged rows to the loader, which knows the width to ask for', () => {
    // See test/data/resolve.test.ts: prepareJob names the row and the width it needs.
    expect(() => parse({ inputs: [[1, 2], [3]], targets: [[1], [2]] })).not.toThrow();
  });
});

describe('inline labels', () => {
  it.each([
    [
      [0.5],
      'dataset.labels.0',
      'must be a class index (a whole number from 0) or a class name (a string)',
    ],
    [[-1], 'dataset.labels.0', 'must be a class index from 0 up'],
    [[''], 'dataset.labels.0', 'must be a class name, not empty'],
    [
      [null],
      'dataset.labels.0',
      'must be a class index (a whole number from 0) or a class name (a string)',
    ],
    [
      [Number.POSITIVE_INFINITY],
      'dataset.labels.0',
      'must be a class index (a whole number from 0) or a class name (a string)',
    ],
    [[], 'dataset.labels', 'needs at least one label'],
  ])('%j', (labels, path, message) => {
    expect(onlyIssue(() => parse({ inputs: [[1]], labels }))).toEqual({ path, message });
  });

  it('a labels value that is not a list', () => {
    expect(onlyIssue(() => parse({ inputs: [[1]], labels: '0' }))).toEqual({
      path: 'dataset.labels',
      message: 'must be a list of class labels (whole numbers from 0, or strings)',
    });
  });

  it('fractions and negatives, each at its index', () => {
    expect(issuesOf(() => parse({ inputs: [[1], [2], [3]], labels: [0, 1.5, -2] }))).toEqual([
      {
        path: 'dataset.labels.1',
        message: 'must be a class index (a whole number from 0) or a class name (a string)',
      },
      { path: 'dataset.labels.2', message: 'must be a class index from 0 up' },
    ]);
  });
});

describe('builtin', () => {
  it.each([
    [{ builtin: 'mnist' }, 'dataset.builtin', 'must be iris or digits'],
    [{ builtin: 1 }, 'dataset.builtin', 'must be iris or digits'],
    [{ builtin: 'iris', subset: 'validation' }, 'dataset.subset', 'must be all, train or test'],
    [{ builtin: 'iris', split: 'train' }, 'dataset.split', unknownField],
  ])('%j', (value, path, message) => {
    expect(onlyIssue(() => parse(value))).toEqual({ path, message });
  });
});

describe('generator', () => {
  it.each(['moons', 'toString', '__proto__', 'constructor', 'hasOwnProperty', 42, null])(
    'rejects %j, listing the generators',
    (generator) => {
      expect(onlyIssue(() => parse({ generator }))).toEqual({
        path: 'dataset.generator',
        message: generatorChoice,
      });
    },
  );

  it.each([
    [{ generator: 'xor', samples: 0 }, 'dataset.samples', 'must be at least 1'],
    [{ generator: 'xor', samples: 1.5 }, 'dataset.samples', 'must be a whole number'],
    [{ generator: 'sine', samples: 1_000_001 }, 'dataset.samples', 'must be at most 1000000'],
    [{ generator: 'sine', noise: -0.1 }, 'dataset.noise', 'must be 0 or more'],
    [{ generator: 'sine', noise: 101 }, 'dataset.noise', 'must be at most 100'],
    [{ generator: 'xor', noise: 'lots' }, 'dataset.noise', 'must be a number (got "lots")'],
    [{ generator: 'xor', seed: -1 }, 'dataset.seed', 'must be 0 or more'],
    [{ generator: 'xor', seed: 2 ** 32 }, 'dataset.seed', 'must fit in 32 bits'],
    [{ generator: 'spirals', classes: 1 }, 'dataset.classes', 'must be at least 2'],
    [{ generator: 'spirals', classes: 101 }, 'dataset.classes', 'must be at most 100'],
    [{ generator: 'spirals', classes: 2.5 }, 'dataset.classes', 'must be a whole number'],
    [{ generator: 'spirals', turns: 0 }, 'dataset.turns', 'must be greater than 0'],
    [
      { generator: 'spirals', classes: 100, samples: 10 },
      'dataset.samples',
      'must be at least 100, one per class',
    ],
    [{ generator: 'spirals', samples: 1 }, 'dataset.samples', 'must be at least 2, one per class'],
    [{ generator: 'circles', samples: 1 }, 'dataset.samples', 'must be at least 2, one per class'],
    [{ generator: 'spirals', turns: 101 }, 'dataset.turns', 'must be at most 100'],
    [{ generator: 'circles', factor: 0 }, 'dataset.factor', 'must be between 0 and 1'],
    [{ generator: 'circles', factor: 1 }, 'dataset.factor', 'must be between 0 and 1'],
    [{ generator: 'circles', turns: 2 }, 'dataset.turns', unknownField],
    [{ generator: 'sine', factor: 0.5 }, 'dataset.factor', unknownField],
    [
      { generator: 'sine', noise: Number.NaN },
      'dataset.noise',
      'must be a finite number (got NaN)',
    ],
    [
      JSON.parse('{"generator": "spirals", "turns": 1e999}'),
      'dataset.turns',
      'must be a finite number (got Infinity)',
    ],
  ])('%j', (value, path, message) => {
    expect(onlyIssue(() => parse(value))).toEqual({ path, message });
  });
});

describe('csv', () => {
  it.each([
    [{ csv: '', label: 'y' }, 'dataset.csv', 'must be a file path'],
    [{ csv: 3, label: 'y' }, 'dataset.csv', 'must be a string (got 3)'],
    [{ csv: 'a.csv', label: '' }, 'dataset.label', 'must name a column'],
    [{ csv: 'a.csv', targets: [] }, 'dataset.targets', 'must name at least one column'],
    [{ csv: 'a.csv', targets: ['y', ''] }, 'dataset.targets.1', 'must name a column'],
    [{ csv: 'a.csv', targets: 'y' }, 'dataset.targets', 'must be a list (got "y")'],
    [
      { csv: 'a.csv' },
      'dataset.label',
      'say what to learn: label names the class column, or targets names the target columns',
    ],
    [
      { csv: 'a.csv', label: 'y', targets: ['z'] },
      'dataset.targets',
      'give label (classification) or targets (regression), not both',
    ],
    [{ csv: 'a.csv', label: 'y', header: true }, 'dataset.header', unknownField],
  ])('%j', (value, path, message) => {
    expect(onlyIssue(() => parse(value))).toEqual({ path, message });
  });
});
