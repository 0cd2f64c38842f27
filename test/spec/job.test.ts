import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError, describeIssues, ValidationError } from '../../src/errors.js';
import {
  parseJob,
  resolveTableTraining,
  resolveTraining,
  tableTrainingDefaults,
} from '../../src/spec/index.js';
import { exampleJob, exampleNames } from '../helpers/examples.js';
import { issuesOf, onlyIssue, resultOrValidationError } from '../helpers/issues.js';
import { anyValue, jsonJob, nearValidJob } from '../helpers/job-arbitrary.js';

const unknownField = 'is not a known field: remove it or check its spelling';

// examples/iris.json's network on all of iris, trained by plain gradient descent
const irisJob = {
  network: exampleJob('iris').network,
  dataset: { builtin: 'iris' },
  training: { epochs: 200, batchSize: 32, learningRate: 0.05, optimizer: 'sgd', seed: 1 },
};
const irisText = JSON.stringify(irisJob);

/** The iris job's JSON text with `"key": value` spliced in as the first field of the object at `at`. */
function jsonWith(
  at: 'job' | 'network' | 'layer' | 'dataset' | 'training',
  field: string,
): unknown {
  const openers = {
    job: '{',
    network: '"network":{',
    layer: '"layers":[{',
    dataset: '"dataset":{',
    training: '"training":{',
  };
  const opener = openers[at];
  return JSON.parse(irisText.replace(opener, `${opener}${field},`));
}

afterEach(() => {
  // Nothing a test parses may reach Object.prototype.
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe('parseJob accepts', () => {
  it('the README job unchanged', () => {
    expect(parseJob(JSON.parse(irisText))).toEqual(irisJob);
  });

  it('a job with no training block', () => {
    const { training: _, ...job } = irisJob;
    expect(parseJob(job)).toEqual(job);
    expect(parseJob(job).training).toBeUndefined();
  });
  it.each(exampleNames)('examples/%s.json unchanged', (name) => {
    const job = exampleJob(name);
    expect(parseJob(job)).toEqual(job);
  });
});

describe('resolveTraining', () => {
  it('fills the training defaults', () => {
    expect(resolveTraining(undefined, () => 9)).toMatchObject({
      epochs: 100,
      batchSize: 'full',
      learningRate: 0.1,
      testSplit: 0,
      seed: 9,
    });
  });

  it('keeps the given training values and seed', () => {
    expect(resolveTraining(parseJob(irisJob).training, () => 9)).toMatchObject(irisJob.training);
  });

  it("takes the tables' defaults when a table job says nothing of how to train", () => {
    expect(resolveTableTraining({ seed: 1, threads: 2 }, () => 9)).toMatchObject({
      ...tableTrainingDefaults,
      seed: 1,
      threads: 2,
    });
    expect(resolveTableTraining(undefined, () => 9).seed).toBe(9);
  });

  it('trains a table job that chose anything as it said, holding out 0.2 for the evaluation', () => {
    const sgd = resolveTableTraining({ optimizer: 'sgd', epochs: 7 }, () => 9);
    expect(sgd).toEqual({
      ...resolveTraining({ optimizer: 'sgd', epochs: 7 }, () => 9),
      testSplit: 0.2,
    });
    expect(resolveTableTraining({ epochs: 7, testSplit: 0 }, () => 9).testSplit).toBe(0);
  });

  it('holds no rows out by default from a table too small to spare them', () => {
    expect(resolveTableTraining({}, () => 9, 9)).toMatchObject({
      testSplit: 0,
      validationSplit: 0,
    });
    // 12 rows: 0.2 held out leaves 9.6 to train on, too few to hold out validation rows too
    expect(resolveTableTraining({}, () => 9, 12)).toMatchObject({
      testSplit: 0.2,
      validationSplit: 0,
    });
    expect(resolveTableTraining({}, () => 9, 13)).toMatchObject({
      testSplit: 0.2,
      validationSplit: 0.15,
    });
    // what a job sets is kept, whatever the size
    expect(resolveTableTraining({ testSplit: 0.5 }, () => 9, 4).testSplit).toBe(0.5);
    expect(resolveTableTraining({ validationSplit: 0.5 }, () => 9, 4).validationSplit).toBe(0.5);
  });
});

describe('parseJob errors', () => {
  it('are ValidationErrors: a 400 whose message lists every issue', () => {
    let caught: unknown;
    try {
      parseJob({ ...irisJob, training: { epochs: 0, optimizer: 'rmsprop' } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect(caught).toBeInstanceOf(AppError);
    const error = caught as ValidationError;
    expect(error).toMatchObject({ name: 'ValidationError', code: 'validation', status: 400 });
    expect(error.issues).toEqual([
      { path: 'training.epochs', message: 'must be at least 1' },
      { path: 'training.optimizer', message: 'must be one of sgd, momentum, nesterov, adam' },
    ]);
    expect(error.message).toBe(describeIssues(error.issues));
    expect(error.message).toBe(
      'training.epochs: must be at least 1; training.optimizer: must be one of sgd, momentum, nesterov, adam',
    );
  });

  it.each([null, [], 'job.json', 42, true])('reject %j as the whole body', (value) => {
    expect(onlyIssue(() => parseJob(value))).toEqual({
      path: '',
      message: `must be an object (got ${Array.isArray(value) ? 'a list' : JSON.stringify(value)})`,
    });
  });

  it('name each missing part', () => {
    // a network may be left out (derived from the data: issue 14); a dataset may not
    expect(issuesOf(() => parseJob({}))).toEqual([
      {
        path: 'dataset',
        message:
          'must be an object: give one of: {inputs, targets}, {inputs, labels}, {builtin}, {generator}, {id} (service), {csv} (CLI)',
      },
    ]);
  });

  it('collect issues from every part at once, with dotted paths', () => {
    const job = {
      network: {
        ...irisJob.network,
        layers: [{ units: 0, activation: 'relu' }, irisJob.network.layers[1]],
      },
      dataset: { builtin: 'mnist' },
      training: { learningRate: -1 },
    };
    expect(issuesOf(() => parseJob(job))).toEqual([
      { path: 'network.layers.0.units', message: 'must be at least 1' },
      { path: 'dataset.builtin', message: 'must be iris or digits' },
      { path: 'training.learningRate', message: 'must be greater than 0' },
    ]);
  });

  it('name every unknown field, at every level', () => {
    const job = {
      ...irisJob,
      network: {
        ...irisJob.network,
        layers: [{ units: 16, activation: 'relu', dropout: 0.1 }, irisJob.network.layers[1]],
        loss: 'ce',
      },
      dataset: { builtin: 'iris', shuffle: true },
      training: { ...irisJob.training, lr: 0.1 },
      version: 'v2',
    };
    expect(issuesOf(() => parseJob(job))).toEqual([
      { path: 'network.layers.0.dropout', message: unknownField },
      { path: 'network.loss', message: unknownField },
      { path: 'dataset.shuffle', message: unknownField },
      { path: 'training.lr', message: unknownField },
      { path: 'version', message: unknownField },
    ]);
  });

  it('say what the model block looks like when it is not one; name its unknown fields', () => {
    expect(issuesOf(() => parseJob({ ...irisJob, model: 'v2' }))).toEqual([
      {
        path: 'model',
        message:
          'must be {"name": "…"} (with tags and a description if you like): the name the model is registered under',
      },
    ]);
    expect(issuesOf(() => parseJob({ ...irisJob, model: { name: 'iris', version: 2 } }))).toEqual([
      { path: 'model.version', message: unknownField },
    ]);
    expect(issuesOf(() => parseJob({ ...irisJob, model: { name: 'bad name' } }))).toEqual([
      { path: 'model.name', message: expect.stringContaining('must be 1–64 letters') },
    ]);
  });

  it('refuse 1e999 from JSON text (it parses to Infinity) wherever a number goes', () => {
    const text = irisText
      .replace('"inputSize":4', '"inputSize":1e999')
      .replace('"learningRate":0.05', '"learningRate":-1e999');
    expect(issuesOf(() => parseJob(JSON.parse(text)))).toEqual([
      { path: 'network.inputSize', message: 'must be a finite number (got Infinity)' },
      { path: 'training.learningRate', message: 'must be a finite number (got -Infinity)' },
    ]);
  });

  it('refuse NaN and Infinity passed as JS values, and "NaN" as a string', () => {
    const job = {
      ...irisJob,
      network: { ...irisJob.network, inputSize: Number.NaN },
      training: { epochs: Number.POSITIVE_INFINITY, tolerance: 'NaN' },
    };
    expect(issuesOf(() => parseJob(job))).toEqual([
      { path: 'network.inputSize', message: 'must be a finite number (got NaN)' },
      { path: 'training.epochs', message: 'must be a finite number (got Infinity)' },
      { path: 'training.tolerance', message: 'must be a number (got "NaN")' },
    ]);
  });
});

describe('__proto__, constructor and prototype keys', () => {
  const payload = '{"polluted": true, "builtin": "iris", "epochs": 5, "groups": 2}';

  it.each([
    ['job', ''],
    ['network', 'network.'],
    ['layer', 'network.layers.0.'],
    ['dataset', 'dataset.'],
    ['training', 'training.'],
  ] as const)('in the %s are unknown fields, named by key', (at, prefix) => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const job = jsonWith(at, `"${key}": ${payload}`);
      expect(onlyIssue(() => parseJob(job))).toEqual({
        path: `${prefix}${key}`,
        message: unknownField,
      });
    }
  });

  it('are own keys when parsed with JSON.parse, which is what makes them dangerous', () => {
    const job = jsonWith('job', `"__proto__": ${payload}`) as object;
    expect(Object.hasOwn(job, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(job)).toBe(Object.prototype);
  });

  it('do not lend their contents to the form picker', () => {
    const job = JSON.parse(
      `{"network": ${JSON.stringify(irisJob.network)}, "dataset": {"__proto__": ${payload}}}`,
    );
    expect(onlyIssue(() => parseJob(job))).toEqual({
      path: 'dataset',
      message:
        'give one of: {inputs, targets}, {inputs, labels}, {builtin}, {generator}, {id} (service), {csv} (CLI)',
    });
  });

  it('as a class name are just a name', () => {
    const job = {
      ...irisJob,
      dataset: { inputs: [[1], [2]], labels: ['__proto__', 'constructor'] },
    };
    expect(parseJob(job).dataset).toEqual(job.dataset);
  });
});

describe('deeply nested junk', () => {
  const deep = (depth: number, leaf = '1') =>
    JSON.parse(`${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`);

  it('as the body, a part, a layer list or a row gives one issue at the shallowest wrong place', () => {
    expect(onlyIssue(() => parseJob(deep(100_000))).path).toBe('');
    expect(onlyIssue(() => parseJob({ ...irisJob, network: deep(100_000) }))).toEqual({
      path: 'network',
      message: 'must be an object (got a list)',
    });
    const layers = { ...irisJob, network: { ...irisJob.network, layers: deep(100_000) } };
    expect(onlyIssue(() => parseJob(layers))).toEqual({
      path: 'network.layers.0',
      message: 'must be an object (got a list)',
    });
    const rows = { ...irisJob, dataset: { inputs: deep(100_000), targets: [[1]] } };
    expect(onlyIssue(() => parseJob(rows))).toEqual({
      path: 'dataset.inputs.0.0',
      message: 'must be a finite number',
    });
  });

  it('under an unknown key is named, not walked', () => {
    let nested: unknown = 1;
    for (let i = 0; i < 10_000; i++) nested = { a: nested };
    expect(onlyIssue(() => parseJob({ ...irisJob, extra: nested }))).toEqual({
      path: 'extra',
      message: unknownField,
    });
  });
});

describe('parseJob on random input', () => {
  const check = (value: unknown) => resultOrValidationError(() => parseJob(value));

  it('gives a result or a ValidationError for any JSON value', () => {
    fc.assert(fc.property(jsonJob, check), { numRuns: 300 });
  });

  it('gives a result or a ValidationError for any JS value', () => {
    fc.assert(fc.property(anyValue, check), { numRuns: 300 });
  });

  it('names a field and says something about it in every issue of a near-valid job', () => {
    fc.assert(
      fc.property(nearValidJob, (job) => {
        try {
          parseJob(job);
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          for (const issue of err.issues) {
            expect(issue.path).toMatch(/^(network|dataset|training)\b/);
            expect(issue.message.length).toBeGreaterThan(8);
            expect(issue.message).not.toMatch(/^Invalid input|^Too (small|big)/);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
