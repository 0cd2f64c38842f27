// Warm start: a run given a trained network's parameters and scaler (hooks.start) begins where
// that network is. With full-batch SGD (no momentum, so no optimizer state to carry) a warm run
// from the weights after N epochs is exactly the cold run's epochs N+1, N+2, …: the same errors
// and the same final weights, bit for bit. A cold start's first epoch is far worse.
import { describe, expect, it } from 'vitest';
import {
  defaultTrainOptions,
  type EpochReport,
  type NetworkShape,
  type TrainingData,
  type TrainOptions,
  type TrainStart,
  train,
} from '../../src/engine/index.js';

// 150 rows of a noisy 3-class problem in 4 features, off-centre so standardising matters.
function blobs(): TrainingData {
  const rows = 150;
  const inputs = new Float32Array(rows * 4);
  const targets = new Float32Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    const k = r % 3;
    for (let i = 0; i < 4; i++)
      inputs[r * 4 + i] = 5 + 3 * Math.sin(r * 12.9898 + i * 78.233) + (i % 3 === k ? 2 : 0);
    targets[r * 3 + k] = 1;
  }
  return { rows, features: 4, outputs: 3, inputs, targets };
}

const shape: NetworkShape = {
  inputSize: 4,
  layers: [
    { units: 8, activation: 'tanh' },
    { units: 3, activation: 'softmax' },
  ],
  divergence: 'cross_entropy',
};

const options = (epochs: number): TrainOptions => ({
  ...defaultTrainOptions,
  epochs,
  tolerance: 0,
  learningRate: 0.5,
  seed: 7,
});

function run(epochs: number, start?: TrainStart) {
  const errors: number[] = [];
  const hooks = { onEpoch: (r: EpochReport) => errors.push(r.error), ...(start ? { start } : {}) };
  const result = train(shape, blobs(), options(epochs), hooks);
  return { result, errors };
}

describe('warm start (hooks.start)', () => {
  for (const kernel of ['typescript', 'auto'] as const) {
    it(`continues a run exactly where its weights left off (${kernel} kernels)`, () => {
      const errorsOf = (epochs: number, start?: TrainStart) => {
        const errors: number[] = [];
        const hooks = { kernel, onEpoch: (r: EpochReport) => errors.push(r.error) };
        const result = train(shape, blobs(), options(epochs), start ? { ...hooks, start } : hooks);
        return { result, errors };
      };
      const first = errorsOf(40);
      const whole = errorsOf(45);
      const warm = errorsOf(5, { params: first.result.params, scaler: first.result.scaler });
      // the first warm epoch's error is that of the given weights, trained one epoch
      expect(warm.errors[0]).toBe(whole.errors[40]);
      expect(warm.errors).toEqual(whole.errors.slice(40));
      expect(warm.result.params).toEqual(whole.result.params);
      expect(warm.result.scaler).toEqual(first.result.scaler);
      // a cold start begins far higher
      expect(whole.errors[0]!).toBeGreaterThan(2 * warm.errors[0]!);
    });
  }

  it('standardises with the given scaler, not one fitted on these rows', () => {
    const first = run(10);
    const scaler = { mean: [0, 0, 0, 0], std: [10, 10, 10, 10] };
    const warm = run(1, { params: first.result.params, scaler });
    expect(warm.result.scaler).toEqual(scaler);
    expect(warm.errors[0]).not.toBe(run(1, { params: first.result.params }).errors[0]);
  });

  it('leaves the given parameters untouched', () => {
    const first = run(10);
    const copy = structuredClone(first.result.params);
    run(3, { params: first.result.params, scaler: first.result.scaler });
    expect(first.result.params).toEqual(copy);
  });

  it('refuses parameters of another shape', () => {
    const first = run(1);
    const params = { W: first.result.params.W.slice(0, 1), b: first.result.params.b.slice(0, 1) };
    expect(() => run(1, { params })).toThrow(/shapes/);
  });
});
