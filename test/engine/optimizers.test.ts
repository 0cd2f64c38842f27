// One update of each optimizer against its formula, on a single weight and bias.
import { describe, expect, it } from 'vitest';
import {
  createOptimizer,
  defaultTrainOptions,
  type OptimizerName,
} from '../../src/engine/index.js';

function steps(optimizer: OptimizerName, grads: number[], extra = {}) {
  const params = { W: [Float32Array.of(1)], b: [Float32Array.of(1)] };
  const opt = createOptimizer(
    { ...defaultTrainOptions, optimizer, learningRate: 0.1, ...extra },
    params,
  );
  return grads.map((g) => {
    opt.step(params, [Float32Array.of(g)], [Float32Array.of(g)]);
    return [params.W[0]![0]!, params.b[0]![0]!];
  });
}

describe('optimizers', () => {
  it('sgd: p − η g, with weight decay on W only', () => {
    expect(steps('sgd', [0.5])[0]![0]).toBeCloseTo(0.95, 6);
    const [w, b] = steps('sgd', [0.5], { weightDecay: 0.2 })[0]!;
    expect(w).toBeCloseTo(1 - 0.1 * (0.5 + 0.2), 6);
    expect(b).toBeCloseTo(0.95, 6);
  });

  it('momentum: v = μ v − η g; p += v', () => {
    const out = steps('momentum', [0.5, 0.5], { momentum: 0.9 });
    expect(out[0]![0]).toBeCloseTo(0.95, 6);
    expect(out[1]![0]).toBeCloseTo(0.95 - (0.9 * 0.05 + 0.05), 6);
  });

  it('nesterov: p += −μ v_old + (1 + μ) v_new', () => {
    const out = steps('nesterov', [0.5, 0.5], { momentum: 0.9 });
    expect(out[0]![0]).toBeCloseTo(1 - 1.9 * 0.05, 6);
    const v2 = 0.9 * -0.05 - 0.05;
    expect(out[1]![0]).toBeCloseTo(out[0]![0]! + 0.9 * 0.05 + 1.9 * v2, 6);
  });

  it('adam: the first step moves by about η whatever the gradient scale', () => {
    expect(steps('adam', [0.5])[0]![0]).toBeCloseTo(0.9, 5);
    expect(steps('adam', [1e-3])[0]![0]).toBeCloseTo(0.9, 4);
  });
});
