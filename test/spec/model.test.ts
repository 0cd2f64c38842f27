import { describe, expect, it } from 'vitest';
import { xor } from '../../src/data/index.js';
import { initParameters, type Parameters, train } from '../../src/engine/index.js';
import {
  checkWeights,
  createModelDocument,
  type ModelDocument,
  modelFormat,
  modelFromDocument,
  modelSchema,
  type NetworkSpec,
  parseOrThrow,
  resolveTraining,
  weightsFromJson,
  weightsToJson,
} from '../../src/spec/index.js';
import { issuesOf, onlyIssue } from '../helpers/issues.js';

// 2 inputs -> 3 tanh -> 1 identity: W_1 is [3][2], W_2 is [1][3].
const small: NetworkSpec = {
  inputSize: 2,
  layers: [
    { units: 3, activation: 'tanh' },
    { units: 1, activation: 'identity' },
  ],
  divergence: 'l2',
};

const smallParams: Parameters = {
  W: [Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(7, 8, 9)],
  b: [Float32Array.of(0.5, -0.5, 0.25), Float32Array.of(-1)],
};

const smallWeights = [
  {
    W: [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    b: [0.5, -0.5, 0.25],
  },
  { W: [[7, 8, 9]], b: [-1] },
];

// Maxout with 4 units in groups of 2 outputs 2 values, so the next layer's W is [2][2].
const maxout: NetworkSpec = {
  inputSize: 3,
  layers: [
    { units: 4, activation: 'maxout', groups: 2 },
    { units: 2, activation: 'softmax' },
  ],
  divergence: 'cross_entropy',
};

const shapeOf = (weights: { W: number[][]; b: number[] }[]) =>
  weights.map(({ W, b }) => ({ rows: W.length, cols: W[0]?.length, b: b.length }));

describe('weightsToJson', () => {
  it('writes W_k as [D_k][D_k-1] rows, one per unit, and b_k as [D_k]', () => {
    expect(weightsToJson(small, smallParams)).toEqual(smallWeights);
  });

  it('takes the next layer input width from maxout outputs (units / groups)', () => {
    expect(shapeOf(weightsToJson(maxout, initParameters(maxout, 1)))).toEqual([
      { rows: 4, cols: 3, b: 4 },
      { rows: 2, cols: 2, b: 2 },
    ]);
  });
});

describe('weightsFromJson', () => {
  it('is the inverse of weightsToJson', () => {
    expect(weightsFromJson(smallWeights)).toEqual(smallParams);
    const params = initParameters(maxout, 3);
    expect(weightsFromJson(weightsToJson(maxout, params))).toEqual(params);
  });

  it('gives float32 arrays', () => {
    const params = weightsFromJson([{ W: [[0.1]], b: [0.2] }]);
    expect(params.W[0]).toBeInstanceOf(Float32Array);
    expect(params.W[0]![0]).toBe(Math.fround(0.1));
    expect(params.b[0]![0]).toBe(Math.fround(0.2));
  });
});

describe('checkWeights', () => {
  it('finds nothing wrong with matching weights', () => {
    expect(checkWeights(small, smallWeights)).toEqual([]);
    expect(checkWeights(maxout, weightsToJson(maxout, initParameters(maxout, 1)))).toEqual([]);
  });

  it('reports a layer count that differs, with both counts', () => {
    expect(checkWeights(small, smallWeights.slice(0, 1))).toEqual([
      {
        path: 'weights',
        message: 'gives 1 layer but the network has 2 layers: give one {W, b} per layer',
      },
    ]);
  });

  it('reports W with the wrong number of rows, naming the shape it needs', () => {
    const weights = [{ ...smallWeights[0]!, W: smallWeights[0]!.W.slice(0, 2) }, smallWeights[1]!];
    expect(checkWeights(small, weights)).toEqual([
      {
        path: 'weights.0.W',
        message: 'must be 3 rows of 2 numbers ([D_k][D_k-1]: one row per unit of layer 1)',
      },
    ]);
  });

  it('reports a ragged or transposed W', () => {
    const ragged = [smallWeights[0]!, { W: [[7, 8]], b: [-1] }];
    expect(checkWeights(small, ragged)).toEqual([
      {
        path: 'weights.1.W',
        message: 'must be 1 row of 3 numbers ([D_k][D_k-1]: one row per unit of layer 2)',
      },
    ]);
    const transposed = [
      {
        W: [
          [1, 3, 5],
          [2, 4, 6],
        ],
        b: [0.5, -0.5, 0.25],
      },
      smallWeights[1]!,
    ];
    expect(checkWeights(small, transposed)).toEqual([
      {
        path: 'weights.0.W',
        message: 'must be 3 rows of 2 numbers ([D_k][D_k-1]: one row per unit of layer 1)',
      },
    ]);
  });

  it('reports a bias of the wrong length, and every bad layer at once', () => {
    const weights = [
      { ...smallWeights[0]!, b: [0] },
      { W: [[1]], b: [] },
    ];
    expect(checkWeights(small, weights)).toEqual([
      { path: 'weights.0.b', message: 'must have 3 numbers, one per unit' },
      {
        path: 'weights.1.W',
        message: 'must be 1 row of 3 numbers ([D_k][D_k-1]: one row per unit of layer 2)',
      },
      { path: 'weights.1.b', message: 'must have 1 number, one per unit' },
    ]);
  });

  it('reports maxout weights sized by outputs instead of units', () => {
    const weights = weightsToJson(maxout, initParameters(maxout, 1));
    weights[1]!.W = weights[1]!.W.map(() => [0, 0, 0, 0]);
    expect(checkWeights(maxout, weights)).toEqual([
      {
        path: 'weights.1.W',
        message: 'must be 2 rows of 2 numbers ([D_k][D_k-1]: one row per unit of layer 2)',
      },
    ]);
  });
});

/** A saved model for the small network, as the CLI would write it. */
const document = (): ModelDocument => ({
  format: modelFormat,
  createdAt: '2026-01-01T00:00:00.000Z',
  network: small,
  training: { epochs: 10 },
  weights: smallWeights,
  scaler: { mean: [0, 1], std: [1, 2] },
  metrics: {
    epochs: 10,
    stopReason: 'max_epochs',
    stopMessage: 'stopped after 10 epochs',
    error: 0.5,
    trainRows: 4,
    validationRows: 0,
    durationMs: 3,
  },
  history: [{ epoch: 1, error: 0.5 }],
});

const parseModel = (value: unknown) => parseOrThrow(modelSchema, value);

describe('modelSchema', () => {
  it('reads back a saved document through JSON', () => {
    const doc = document();
    expect(parseModel(JSON.parse(JSON.stringify(doc)))).toEqual(doc);
  });

  it('rejects a file that is not a model, saying so', () => {
    expect(onlyIssue(() => parseModel({ ...document(), format: 'backprop-job/1' }))).toEqual({
      path: 'format',
      message: `must be "${modelFormat}": is this a model file?`,
    });
  });

  it('rejects a weight of 1e999 (Infinity once parsed) at its index', () => {
    const text = JSON.stringify(document()).replace('[[7,8,9]]', '[[7,1e999,9]]');
    expect(onlyIssue(() => parseModel(JSON.parse(text)))).toEqual({
      path: 'weights.1.W.0.1',
      message: 'must be a finite number (got Infinity)',
    });
  });

  it('rejects a network the engine cannot run', () => {
    const doc = { ...document(), network: { ...small, divergence: 'binary_cross_entropy' } };
    expect(onlyIssue(() => parseModel(doc)).path).toBe('network.divergence');
  });

  it('names each missing part', () => {
    expect(issuesOf(() => parseModel({ format: modelFormat })).map((i) => i.path)).toEqual([
      'createdAt',
      'network',
      'training',
      'weights',
      'scaler',
      'metrics',
      'history',
    ]);
  });
});

describe('modelFromDocument', () => {
  it('gives the engine the network, float32 parameters and the scaler', () => {
    const model = modelFromDocument(document());
    expect(model.shape).toEqual(small);
    expect(model.params).toEqual(smallParams);
    expect(model.scaler).toEqual({ mean: [0, 1], std: [1, 2] });
  });
});

describe('createModelDocument', () => {
  it('writes a document that modelSchema reads back, with the trained weights', () => {
    const network: NetworkSpec = {
      inputSize: 2,
      layers: [
        { units: 2, activation: 'tanh' },
        { units: 1, activation: 'sigmoid' },
      ],
      divergence: 'binary_cross_entropy',
    };
    const training = resolveTraining({ epochs: 3 }, () => 1);
    const result = train(network, xor(), training);
    const doc = createModelDocument({
      network,
      training,
      result,
      history: [],
      durationMs: 1.6,
      createdAt: new Date(0),
    });
    expect(parseModel(JSON.parse(JSON.stringify(doc)))).toEqual(doc);
    expect(doc).toMatchObject({
      format: modelFormat,
      createdAt: '1970-01-01T00:00:00.000Z',
      metrics: { epochs: 3, trainRows: 4, validationRows: 0, durationMs: 2 },
    });
    expect(weightsFromJson(doc.weights)).toEqual(result.params);
    expect(checkWeights(network, doc.weights)).toEqual([]);
  });
});
