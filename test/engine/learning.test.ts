// Real learning, through the job spec as a user writes it: XOR, spirals, iris and digits on the
// fixed splits shipped with the project (accuracy measured on the held-out test rows).
import { describe, expect, it } from 'vitest';
import { loadBuiltin, spirals } from '../../src/data/index.js';
import { prepareJob } from '../../src/data/resolve.js';
import { evaluate, train } from '../../src/engine/index.js';
import { exampleJob, exampleVariant } from '../helpers/examples.js';

function trainJob(job: unknown) {
  const { job: resolved, data } = prepareJob(job, { allowFiles: false });
  const result = train(resolved.network, data, resolved.training);
  return {
    resolved,
    result,
    model: { shape: resolved.network, params: result.params, scaler: result.scaler },
  };
}

describe('learning', () => {
  it('XOR from the generator, full-batch gradient descent as in the notes', () => {
    // examples/xor.json, every one of its 3000 epochs
    const { result } = trainJob(exampleVariant('xor', { tolerance: 0 }));
    expect(result.final!.accuracy).toBe(1);
    expect(result.final!.error).toBeLessThan(0.05);
  });

  it('spirals: two interleaved arms, checked on points from another seed', () => {
    const { model, result } = trainJob({
      network: {
        inputSize: 2,
        layers: [
          { units: 32, activation: 'relu' },
          { units: 32, activation: 'relu' },
          { units: 2, activation: 'softmax' },
        ],
        divergence: 'cross_entropy',
      },
      dataset: { generator: 'spirals', samples: 300, classes: 2, noise: 0.05, seed: 1 },
      training: { epochs: 400, batchSize: 32, optimizer: 'adam', learningRate: 0.01, seed: 1 },
    });
    expect(result.final!.accuracy).toBeGreaterThan(0.95);
    const unseen = spirals({ samples: 300, classes: 2, noise: 0.05, seed: 99 });
    expect(evaluate(model, unseen.inputs, unseen.targets, unseen.rows).accuracy).toBeGreaterThan(
      0.9,
    );
  });

  it('iris: ≥ 0.9 accuracy on the 38 held-out rows', () => {
    const { model, resolved } = trainJob(exampleJob('iris'));
    expect(resolved.training.seed).toBe(1);
    const test = loadBuiltin('iris', 'test');
    expect(test.rows).toBe(38);
    expect(evaluate(model, test.inputs, test.targets, test.rows).accuracy).toBeGreaterThanOrEqual(
      0.9,
    );
  });

  it('digits: ≥ 0.95 accuracy on the 450 held-out rows with one hidden layer', () => {
    // examples/digits.json in 30 epochs, on all 1347 training rows (no validation split)
    const { model, result } = trainJob(
      exampleVariant('digits', { epochs: 30, validationSplit: undefined }),
    );
    expect(result.trainRows).toBe(1347);
    const test = loadBuiltin('digits', 'test');
    const { accuracy } = evaluate(model, test.inputs, test.targets, test.rows);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });
});
