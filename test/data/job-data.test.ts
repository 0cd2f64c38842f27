// A job's rows as the worker and the CLI prepare them (issue 14): held-out rows for matrices,
// stratified and seeded; a stored table planned from its metadata with errors under `dataset`;
// and the evaluation of a model on the held-out rows, in the label's units.
import { describe, expect, it } from 'vitest';
import { fromLabels, fromTargets, loadBuiltin, withTargets } from '../../src/data/index.js';
import {
  evaluateHeldOut,
  holdOut,
  planStoredTable,
  type TableMeta,
} from '../../src/data/job-data.js';
import { evaluateClassification, evaluateRegression } from '../../src/engine/index.js';
import { ValidationError } from '../../src/errors.js';
import type { NetworkSpec } from '../../src/spec/index.js';

describe('holdOut', () => {
  const iris = withTargets(loadBuiltin('iris', 'all'));

  it('holds out a stratified fraction of a matrix, the same for the same seed', () => {
    const { train, test } = holdOut(iris, { testSplit: 0.2, seed: 3 });
    expect(test!.rows).toBe(30);
    expect(train.rows).toBe(120);
    const perClass = [0, 0, 0];
    for (const c of test!.labels!) perClass[c]!++;
    expect(perClass).toEqual([10, 10, 10]);
    expect(holdOut(iris, { testSplit: 0.2, seed: 3 }).test!.inputs).toEqual(test!.inputs);
    expect(holdOut(iris, { testSplit: 0.2, seed: 4 }).test!.inputs).not.toEqual(test!.inputs);
  });

  it('holds out nothing at testSplit 0', () => {
    const rows = holdOut(iris, { testSplit: 0, seed: 3 });
    expect(rows.test).toBeNull();
    expect(rows.train).toBe(iris);
  });
});

// y = 2·x + 1 on one input: an identity network, no scaler
const line: NetworkSpec = {
  inputSize: 1,
  layers: [{ units: 1, activation: 'identity' }],
  divergence: 'l2',
};
const lineModel = {
  shape: line,
  params: { W: [Float32Array.of(2)], b: [Float32Array.of(1)] },
  scaler: null,
};

describe('evaluateHeldOut', () => {
  it('evaluates regression in the label units, un-scaling outputs and targets alike', () => {
    // a table's target standardised with mean 10 and std 4: outputs and targets are in z-units
    const test = fromTargets([[0], [1], [2]], [[1], [2], [6]]);
    const target = { name: 'y', task: 'regression' as const, mean: 10, std: 4 };
    const e = evaluateHeldOut(lineModel, line, { test, target });
    const unscale = (z: number[]) => z.map((v) => v * 4 + 10);
    expect(e).toEqual(evaluateRegression(unscale([1, 3, 5]), unscale([1, 2, 6]), 1));
    expect(e).toMatchObject({ task: 'regression', rows: 3, mae: (0 + 4 + 4) / 3 });
  });

  it('evaluates classes with the class names, renormalising outputs that are not a softmax', () => {
    const network: NetworkSpec = {
      inputSize: 2,
      layers: [{ units: 2, activation: 'identity' }],
      divergence: 'l2',
    };
    const model = {
      shape: network,
      params: { W: [Float32Array.of(1, 0, 0, 1)], b: [Float32Array.of(0, 0)] },
      scaler: null,
    };
    const test = withTargets(
      fromLabels(
        [
          [3, 1],
          [1, 1],
          [0, 2],
        ],
        [0, 1, 1],
      ),
    );
    const target = { name: 'kind', task: 'classification' as const, classes: ['cat', 'dog'] };
    const e = evaluateHeldOut(model, network, { test, target });
    const p = [0.75, 0.25, 0.5, 0.5, 0, 1];
    expect(e).toEqual(evaluateClassification(Float64Array.from(p), [0, 1, 1], ['cat', 'dog']));
    expect(e).toMatchObject({ confusionMatrix: { labels: ['cat', 'dog'] } });
  });

  it('has nothing to say without held-out rows', () => {
    expect(evaluateHeldOut(lineModel, line, { test: null })).toBeUndefined();
  });
});

describe('planStoredTable', () => {
  const meta: TableMeta = {
    rows: 4,
    missingTokens: ['NA'],
    label: { name: 'y', task: 'regression', reason: 'real-valued label' },
    columns: [
      {
        name: 'x',
        type: 'numeric',
        missing: 0,
        distinct: 4,
        min: 0,
        max: 3,
        mean: 1.5,
        std: 1.1,
        median: 1.5,
        integer: true,
      },
      {
        name: 'y',
        type: 'numeric',
        missing: 0,
        distinct: 4,
        min: 0,
        max: 1,
        mean: 0.5,
        std: 0.4,
        median: 0.5,
        integer: false,
      },
    ],
  };

  it('plans from the metadata alone', () => {
    expect(planStoredTable(meta, {}).width).toBe(1);
    expect(planStoredTable(meta, { columns: { x: 'categorical' } }).width).toBe(5);
  });

  it('names a misspelt column under dataset.columns', () => {
    let caught: unknown;
    try {
      planStoredTable(meta, { columns: { z: 'ignored' } });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).issues).toEqual([
      { path: 'dataset.columns.z', message: 'no column named z; the columns are x, y' },
    ]);
  });
});
