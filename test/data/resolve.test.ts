import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTargets } from '../../src/data/labels.js';
import {
  baseDirOf,
  checkAgainstData,
  loadDataset,
  type PreparedJob,
  prepareJob,
} from '../../src/data/resolve.js';
import { ValidationError } from '../../src/errors.js';
import {
  type DatasetSpec,
  type NetworkSpec,
  outputSizeOfSpec,
  parseJob,
  resolveTraining,
} from '../../src/spec/index.js';
import { exampleJob } from '../helpers/examples.js';
import { issuesOf, onlyIssue, pathsOf, resultOrValidationError } from '../helpers/issues.js';
import { anyValue, fittingJob, jsonJob, nearValidJob } from '../helpers/job-arbitrary.js';

const noFiles = { allowFiles: false };
const seven = () => 7;

const irisNetwork = exampleJob('iris').network;

/** A job from parts; the network defaults to examples/iris.json's (the README's). */
const job = (dataset: object, network: object = irisNetwork, training?: object) => ({
  network,
  dataset,
  ...(training ? { training } : {}),
});

/** A one-layer network: `inputSize` inputs, `units` outputs through `activation`. */
const oneLayer = (
  inputSize: number,
  units: number,
  activation = 'identity',
  divergence = 'l2',
) => ({
  inputSize,
  layers: [{ units, activation }],
  divergence,
});

const prepare = (value: unknown) => prepareJob(value, noFiles, seven);

const load = (spec: object) => loadDataset(spec as DatasetSpec, noFiles);

describe('loadDataset gives each form its rows, features and outputs', () => {
  it.each([
    ['iris', { builtin: 'iris' }, { rows: 150, features: 4, outputs: 3 }],
    ['iris train', { builtin: 'iris', subset: 'train' }, { rows: 112, features: 4, outputs: 3 }],
    ['iris test', { builtin: 'iris', subset: 'test' }, { rows: 38, features: 4, outputs: 3 }],
    ['digits', { builtin: 'digits' }, { rows: 1797, features: 64, outputs: 10 }],
    [
      'digits test',
      { builtin: 'digits', subset: 'test' },
      { rows: 450, features: 64, outputs: 10 },
    ],
    ['xor', { generator: 'xor' }, { rows: 4, features: 2, outputs: 1 }],
    [
      'xor 10',
      { generator: 'xor', samples: 10, noise: 0.1 },
      { rows: 10, features: 2, outputs: 1 },
    ],
    [
      'spirals',
      { generator: 'spirals', samples: 30, classes: 3 },
      { rows: 30, features: 2, outputs: 3 },
    ],
    ['circles', { generator: 'circles', samples: 20 }, { rows: 20, features: 2, outputs: 2 }],
    ['sine', { generator: 'sine', samples: 12 }, { rows: 12, features: 1, outputs: 1 }],
    [
      'inline targets',
      {
        inputs: [
          [1, 2, 3],
          [4, 5, 6],
        ],
        targets: [
          [0.5, 0.5],
          [1, 0],
        ],
      },
      { rows: 2, features: 3, outputs: 2 },
    ],
    [
      'inline labels',
      { inputs: [[1], [2], [3]], labels: [0, 2, 2] },
      { rows: 3, features: 1, outputs: 3 },
    ],
  ])('%s', (_name, spec, expected) => {
    expect(load(spec)).toMatchObject(expected);
  });

  it('numbers class names in sorted order, as indices (one-hot targets are made for training)', () => {
    const data = load({ inputs: [[1], [2], [3]], labels: ['virginica', 'setosa', 'virginica'] });
    expect(data.classes).toEqual(['setosa', 'virginica']);
    expect(Array.from(data.labels!)).toEqual([1, 0, 1]);
    expect(data.targets).toBeUndefined();
    expect(Array.from(withTargets(data).targets)).toEqual([0, 1, 1, 0, 0, 1]);
  });

  it('refuses inline rows past maxCells before making their arrays, naming MAX_DATASET_CELLS', () => {
    const labelled = { inputs: [[1], [2], [3]], labels: [0, 1, 9] };
    const limited = (spec: object) =>
      loadDataset(spec as DatasetSpec, { ...noFiles, maxCells: 20 });
    expect(onlyIssue(() => limited(labelled))).toEqual({
      path: 'dataset.labels',
      message:
        '3 rows × 10 classes = 30 one-hot target values; this service trains on at most 20 (MAX_DATASET_CELLS): number the classes from 0 without gaps, or use fewer rows',
    });
    const wide = {
      inputs: [Array(7).fill(1), Array(7).fill(2), Array(7).fill(3)],
      targets: [[1], [2], [3]],
    };
    expect(onlyIssue(() => limited(wide))).toEqual({
      path: 'dataset.inputs',
      message:
        'has 3 rows × 7 values = 21; this service takes at most 20 (MAX_DATASET_CELLS): use fewer rows or columns',
    });
    expect(limited({ inputs: [[1], [2], [3]], labels: [0, 1, 5] }).outputs).toBe(6);
  });

  it('gives the iris classes as indices 0..2', () => {
    expect(load({ builtin: 'iris' }).classes).toEqual([0, 1, 2]);
  });

  it('refuses a CSV path when files are not allowed', () => {
    expect(onlyIssue(() => load({ csv: 'iris.csv', label: 'label' }))).toEqual({
      path: 'dataset.csv',
      message: 'the server cannot read local files: upload the CSV as a dataset and give its id',
    });
  });
});

describe('prepareJob', () => {
  it('parses, fills the training defaults and loads the README job', () => {
    const { job: resolved, data } = prepare(job({ builtin: 'iris' }));
    expect(resolved.network).toEqual(irisNetwork);
    expect(resolved.training).toMatchObject({
      epochs: 100,
      batchSize: 'full',
      learningRate: 0.1,
      optimizer: 'sgd',
      tolerance: 1e-7,
      patience: 10,
      validationSplit: 0,
      standardize: true,
      seed: 7,
    });
    expect(data).toMatchObject({ rows: 150, features: 4, outputs: 3 });
  });

  it('keeps a given seed and draws one in [0, 2^32) when absent', () => {
    expect(prepare(job({ builtin: 'iris' }, irisNetwork, { seed: 12 })).job.training.seed).toBe(12);
    const drawn = prepareJob(job({ builtin: 'iris' }), noFiles).job.training.seed;
    expect(Number.isInteger(drawn) && drawn >= 0 && drawn < 2 ** 32).toBe(true);
  });

  it('uses 0.01 as the adam learning rate', () => {
    const prepared = prepare(job({ builtin: 'iris' }, irisNetwork, { optimizer: 'adam' }));
    expect(prepared.job.training.learningRate).toBe(0.01);
  });

  it('reports schema issues before loading anything', () => {
    expect(onlyIssue(() => prepare(job({ builtin: 'mnist' })))).toEqual({
      path: 'dataset.builtin',
      message: 'must be iris or digits',
    });
  });
});

describe('prepareJob checks the network against the data', () => {
  it('inputSize against the feature count', () => {
    expect(
      onlyIssue(() => prepare(job({ builtin: 'iris' }, { ...irisNetwork, inputSize: 5 }))),
    ).toEqual({
      path: 'network.inputSize',
      message: 'is 5 but the dataset has 4 feature columns: set inputSize to 4',
    });
  });

  it('output units against the classes', () => {
    const network = {
      ...irisNetwork,
      layers: [irisNetwork.layers[0], { units: 2, activation: 'softmax' }],
    };
    expect(onlyIssue(() => prepare(job({ builtin: 'iris' }, network)))).toEqual({
      path: 'network.layers.1.units',
      message:
        'the last layer gives 2 outputs but the dataset has 3 classes (one-hot targets): set units to 3',
    });
  });

  it('output units against the target width', () => {
    const dataset = {
      inputs: [[1], [2]],
      targets: [
        [1, 2],
        [3, 4],
      ],
    };
    expect(onlyIssue(() => prepare(job(dataset, oneLayer(1, 3))))).toEqual({
      path: 'network.layers.0.units',
      message: 'the last layer gives 3 outputs but the dataset has targets 2 wide: set units to 2',
    });
  });

  it('a maxout output layer, counting units / groups and asking for groups x classes units', () => {
    const network = {
      inputSize: 2,
      layers: [{ units: 4, activation: 'maxout', groups: 2 }],
      divergence: 'l2',
    };
    expect(
      onlyIssue(() => prepare(job({ generator: 'spirals', samples: 9, classes: 3 }, network))),
    ).toEqual({
      path: 'network.layers.0.units',
      message:
        'the last layer gives 2 outputs but the dataset has 3 classes (one-hot targets): set units to 6',
    });
    const fixed = { ...network, layers: [{ units: 6, activation: 'maxout', groups: 2 }] };
    expect(
      outputSizeOfSpec(
        prepare(job({ generator: 'spirals', samples: 9, classes: 3 }, fixed)).job.network,
      ),
    ).toBe(3);
  });

  it('both widths at once', () => {
    expect(
      issuesOf(() => prepare(job({ generator: 'xor' }, irisNetwork))).map((i) => i.message),
    ).toEqual([
      'is 4 but the dataset has 2 feature columns: set inputSize to 2',
      'the last layer gives 3 outputs but the dataset has targets 1 wide: set units to 1',
    ]);
  });

  it('cross_entropy targets that do not sum to 1, with the sum', () => {
    const dataset = {
      inputs: [[1], [2]],
      targets: [
        [0.2, 0.5],
        [0.5, 0.5],
      ],
    };
    expect(
      onlyIssue(() => prepare(job(dataset, oneLayer(1, 2, 'softmax', 'cross_entropy')))),
    ).toEqual({
      path: 'dataset.targets.0',
      message:
        'cross_entropy needs each target row to be probabilities (0 or more) summing to 1, but this one sums to 0.7: give labels, or use l2',
    });
  });

  it('cross_entropy targets with a negative value', () => {
    const dataset = { inputs: [[1]], targets: [[1.5, -0.5]] };
    expect(
      onlyIssue(() => prepare(job(dataset, oneLayer(1, 2, 'softmax', 'cross_entropy')))),
    ).toEqual({
      path: 'dataset.targets.0',
      message:
        'cross_entropy needs each target row to be probabilities (0 or more) summing to 1, but this one has a negative value: give labels, or use l2',
    });
  });

  it('stops listing bad target rows after five', () => {
    const dataset = {
      inputs: Array.from({ length: 9 }, () => [1]),
      targets: Array.from({ length: 9 }, () => [2, 2]),
    };
    const paths = issuesOf(() =>
      prepare(job(dataset, oneLayer(1, 2, 'softmax', 'cross_entropy'))),
    ).map((i) => i.path);
    expect(paths).toEqual([
      'dataset.targets.0',
      'dataset.targets.1',
      'dataset.targets.2',
      'dataset.targets.3',
      'dataset.targets.4',
    ]);
  });

  it('accepts soft cross_entropy targets and labels', () => {
    const soft = {
      inputs: [[1], [2]],
      targets: [
        [0.25, 0.75],
        [1, 0],
      ],
    };
    expect(() => prepare(job(soft, oneLayer(1, 2, 'softmax', 'cross_entropy')))).not.toThrow();
    expect(() =>
      prepare(
        job({ inputs: [[1], [2]], labels: ['a', 'b'] }, oneLayer(1, 2, 'softmax', 'cross_entropy')),
      ),
    ).not.toThrow();
  });

  it('binary_cross_entropy targets outside [0, 1]', () => {
    const dataset = { inputs: [[1], [2], [3]], targets: [[0], [2], [1]] };
    expect(
      onlyIssue(() => prepare(job(dataset, oneLayer(1, 1, 'sigmoid', 'binary_cross_entropy')))),
    ).toEqual({
      path: 'dataset.targets.1',
      message: 'binary_cross_entropy needs targets between 0 and 1: rescale them, or use l2',
    });
  });

  it('skips the target check when the widths already disagree', () => {
    const dataset = { inputs: [[1]], targets: [[5, 5, 5]] };
    expect(
      pathsOf(() => prepare(job(dataset, oneLayer(1, 2, 'softmax', 'cross_entropy')))),
    ).toEqual(['network.layers.0.units']);
  });

  it('a validation split on one row', () => {
    const dataset = { inputs: [[1]], targets: [[1]] };
    expect(
      onlyIssue(() => prepare(job(dataset, oneLayer(1, 1), { validationSplit: 0.5 }))),
    ).toEqual({
      path: 'training.validationSplit',
      message:
        'the dataset has 1 row: a validation split needs at least 2; set validationSplit to 0',
    });
    const two = { inputs: [[1], [2]], targets: [[1], [2]] };
    expect(() => prepare(job(two, oneLayer(1, 1), { validationSplit: 0.5 }))).not.toThrow();
  });

  it('checkAgainstData finds nothing wrong with a matching network', () => {
    const parsed = parseJob(job({ builtin: 'iris' }));
    expect(
      checkAgainstData(
        parsed.network as NetworkSpec,
        resolveTraining({}, seven),
        load({ builtin: 'iris' }),
      ),
    ).toEqual([]);
  });
});

describe('prepareJob reports bad rows and labels under dataset', () => {
  it('a ragged input row, with the width every row needs', () => {
    const dataset = { inputs: [[1, 2], [3, 4], [5]], targets: [[1], [2], [3]] };
    expect(onlyIssue(() => prepare(job(dataset, oneLayer(2, 1))))).toEqual({
      path: 'dataset.inputs.2',
      message: 'row 2 has 1 values; every row needs 2 like row 0',
    });
  });

  it('a ragged target row', () => {
    const dataset = { inputs: [[1], [2]], targets: [[1, 2], [3]] };
    expect(onlyIssue(() => prepare(job(dataset, oneLayer(1, 2))))).toEqual({
      path: 'dataset.targets.1',
      message: 'row 1 has 1 values; every row needs 2 like row 0',
    });
  });

  it('an empty row', () => {
    expect(onlyIssue(() => prepare(job({ inputs: [[]], targets: [[1]] }, oneLayer(1, 1))))).toEqual(
      {
        path: 'dataset.inputs.0',
        message: 'is empty; every row needs at least one value',
      },
    );
  });

  it('targets or labels for a different number of rows', () => {
    expect(
      onlyIssue(() =>
        prepare(job({ inputs: [[1], [2], [3]], targets: [[1], [2]] }, oneLayer(1, 1))),
      ),
    ).toEqual({
      path: 'dataset.targets',
      message: 'has 2 rows but inputs has 3; give one per input row',
    });
    expect(
      onlyIssue(() => prepare(job({ inputs: [[1], [2]], labels: [0, 1, 1] }, oneLayer(1, 2)))),
    ).toEqual({
      path: 'dataset.labels',
      message: 'has 3 rows but inputs has 2; give one per input row',
    });
  });

  it('labels that mix indices and names', () => {
    expect(
      onlyIssue(() => prepare(job({ inputs: [[1], [2]], labels: [0, 'b'] }, oneLayer(1, 2)))),
    ).toEqual({
      path: 'dataset.labels.1',
      message: 'must be a non-negative integer class index like label 0 (got "b")',
    });
  });

  it('a class index past the limit', () => {
    expect(
      onlyIssue(() => prepare(job({ inputs: [[1]], labels: [10_000] }, oneLayer(1, 2)))),
    ).toEqual({
      path: 'dataset.labels.0',
      message: 'class index 10000 is too large; at most 10000 classes',
    });
  });

  it('generator parameters the generator itself refuses', () => {
    expect(
      onlyIssue(() =>
        prepare(job({ generator: 'spirals', samples: 2, classes: 3 }, oneLayer(2, 3))),
      ),
    ).toEqual({
      path: 'dataset.samples',
      message: 'must be at least 3, one per class',
    });
  });
});

describe('prepareJob with a CSV file', () => {
  let dir: string;
  let jobFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'backprop-resolve-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(
      join(dir, 'data', 'flowers.csv'),
      'length,width,species\n1,2,rose\n3,4,tulip\n5,6,rose\n',
    );
    writeFileSync(join(dir, 'data', 'line.csv'), 'x,y\n0,1\n1,3\n2,5\n');
    writeFileSync(join(dir, 'data', 'bad.csv'), 'x,y\n0,1\n1,one\n');
    jobFile = join(dir, 'job.json');
    const network = oneLayer(2, 2, 'softmax', 'cross_entropy');
    writeFileSync(
      jobFile,
      JSON.stringify(
        job({ csv: 'data/flowers.csv', label: 'species' }, network, {
          testSplit: 0,
          validationSplit: 0,
        }),
      ),
    );
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const withFiles = (value: unknown) =>
    prepareJob(value, { allowFiles: true, baseDir: dir }, seven);

  it('reads a relative path from the job file folder', () => {
    expect(baseDirOf(jobFile)).toBe(dir);
    const value: unknown = JSON.parse(readFileSync(jobFile, 'utf8'));
    const { data } = prepareJob(value, { allowFiles: true, baseDir: baseDirOf(jobFile) }, seven);
    expect(data).toMatchObject({
      rows: 3,
      features: 2,
      outputs: 2,
      featureNames: ['length', 'width'],
    });
    expect(data.classes).toEqual(['rose', 'tulip']);
    // a CSV with a label is a table (issue 14): its numbers standardised (population std)
    const z = Math.sqrt(1.5);
    const expected = [-z, -z, 0, 0, z, z];
    Array.from(data.inputs).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
  });

  it('reads regression targets', () => {
    const { data } = withFiles(job({ csv: 'data/line.csv', targets: ['y'] }, oneLayer(1, 1)));
    expect(data).toMatchObject({ rows: 3, features: 1, outputs: 1, featureNames: ['x'] });
    expect(Array.from(data.targets)).toEqual([1, 3, 5]);
  });

  it('takes an absolute path as it is', () => {
    const { data } = prepareJob(
      job({ csv: join(dir, 'data', 'line.csv'), targets: ['y'] }, oneLayer(1, 1)),
      {
        allowFiles: true,
        baseDir: '/nowhere',
      },
    );
    expect(data.rows).toBe(3);
  });

  it('checks the network against the file, like any other data', () => {
    expect(
      onlyIssue(() => withFiles(job({ csv: 'data/line.csv', targets: ['y'] }, oneLayer(3, 1)))),
    ).toEqual({
      path: 'network.inputSize',
      message: 'is 3 but the dataset has 1 feature columns: set inputSize to 1',
    });
  });

  it('holds out test rows of a table, stratified, and never fits on them', () => {
    const value: unknown = JSON.parse(readFileSync(jobFile, 'utf8'));
    (value as { training: object }).training = { testSplit: 0.5, validationSplit: 0 };
    const { data, rows } = prepareJob(
      value,
      { allowFiles: true, baseDir: baseDirOf(jobFile) },
      seven,
    );
    expect(data.rows + rows.test!.rows).toBe(3);
    expect(rows.preprocessing!.inputNames).toEqual(['length', 'width']);
    expect(rows.target).toEqual({
      name: 'species',
      task: 'classification',
      classes: ['rose', 'tulip'],
    });
  });

  it('reports a missing file, a missing column and a bad cell under dataset', () => {
    expect(
      onlyIssue(() => withFiles(job({ csv: 'data/none.csv', label: 'y' }, oneLayer(1, 2)))),
    ).toEqual({
      path: 'dataset.csv',
      message: `cannot read ${join(dir, 'data', 'none.csv')} (ENOENT)`,
    });
    expect(
      onlyIssue(() => withFiles(job({ csv: 'data/line.csv', label: 'class' }, oneLayer(1, 2)))),
    ).toEqual({
      path: 'dataset.label',
      message: 'no column named class; the columns are x, y',
    });
    expect(
      onlyIssue(() => withFiles(job({ csv: 'data/bad.csv', targets: ['y'] }, oneLayer(1, 1)))),
    ).toEqual({
      path: 'dataset.csv.line 3',
      message: 'column y: "one" is not a number; every cell must be a finite number',
    });
  });

  it('still refuses the file when files are not allowed', () => {
    expect(onlyIssue(() => prepare(JSON.parse(readFileSync(jobFile, 'utf8'))))).toEqual({
      path: 'dataset.csv',
      message: 'the server cannot read local files: upload the CSV as a dataset and give its id',
    });
  });
});

describe('prepareJob on random input', () => {
  const check = (value: unknown) => resultOrValidationError(() => prepare(value));

  it('gives a result or a ValidationError for any JSON value', () => {
    fc.assert(fc.property(jsonJob, check), { numRuns: 200 });
  });

  it('gives a result or a ValidationError for any JS value', () => {
    fc.assert(fc.property(anyValue, check), { numRuns: 200 });
  });

  it('gives a result or a ValidationError for a near-valid job', () => {
    fc.assert(fc.property(nearValidJob, check), { numRuns: 300 });
  });

  it('gives, for a job built to fit its data, a ValidationError or data the network fits', () => {
    let prepared = 0;
    fc.assert(
      fc.property(fittingJob, (value) => {
        let result: PreparedJob;
        try {
          result = prepare(value);
        } catch (err) {
          if (err instanceof ValidationError) return;
          throw err;
        }
        prepared++;
        const { job: resolved, data } = result;
        expect(data.features).toBe(resolved.network.inputSize);
        expect(data.outputs).toBe(outputSizeOfSpec(resolved.network));
        expect(data.inputs).toHaveLength(data.rows * data.features);
        expect(data.targets).toHaveLength(data.rows * data.outputs);
      }),
      { numRuns: 300 },
    );
    // Only useful if many jobs get all the way through.
    expect(prepared).toBeGreaterThan(100);
  });
});
