// A predictor reuses its buffers across calls of any size and answers exactly as predict().
import { describe, expect, it } from 'vitest';
import {
  createPredictor,
  createRandom,
  initParameters,
  type Model,
  predict,
} from '../../src/engine/index.js';

const shape = {
  inputSize: 3,
  layers: [
    { units: 5, activation: 'tanh' as const },
    { units: 2, activation: 'softmax' as const },
  ],
  divergence: 'cross_entropy' as const,
};
const model: Model = {
  shape,
  params: initParameters(shape, 4),
  scaler: { mean: [1, -2, 0.5], std: [2, 0.5, 1] },
};

function rows(n: number, seed: number): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length: n * 3 }, () => 3 * random.normal());
}

describe('createPredictor', () => {
  it('answers as predict() call after call, for batches smaller and larger than its buffers', () => {
    const predictor = createPredictor(model, 4);
    for (const [n, seed] of [
      [1, 1],
      [4, 2],
      [11, 3],
      [2, 4],
    ] as const) {
      const x = rows(n, seed);
      expect(predictor(x, n)).toEqual(predict(model, x, n));
    }
  });

  it('applies the scaler: raw inputs, not the caller’s pre-scaled ones', () => {
    const x = rows(3, 7);
    const unscaled = createPredictor({ ...model, scaler: null })(x, 3);
    expect(createPredictor(model)(x, 3)).not.toEqual(unscaled);
    const byHand = x.map((v, i) => (v - model.scaler!.mean[i % 3]!) / model.scaler!.std[i % 3]!);
    expect(createPredictor(model)(x, 3)).toEqual(
      createPredictor({ ...model, scaler: null })(byHand, 3),
    );
  });
});
