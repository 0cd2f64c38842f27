// The training loop: learning, determinism, the convergence rule, divergence, stopping,
// validation with early stopping, and the per-epoch report.
import { describe, expect, it } from 'vitest';
import {
  backward,
  bestKernel,
  chunkRowsFor,
  createNetwork,
  createOptimizer,
  createWorkspace,
  defaultTrainOptions,
  deriveSeed,
  type EpochReport,
  forward,
  initParameters,
  type NetworkShape,
  predict,
  type TrainingData,
  type TrainOptions,
  train,
  trainSteps,
  zeroGradients,
} from '../../src/engine/index.js';

const xorShape: NetworkShape = {
  inputSize: 2,
  layers: [
    { units: 4, activation: 'tanh' },
    { units: 1, activation: 'sigmoid' },
  ],
  divergence: 'binary_cross_entropy',
};
const xor: TrainingData = {
  rows: 4,
  features: 2,
  outputs: 1,
  inputs: Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1),
  targets: Float32Array.of(0, 1, 1, 0),
};

// y = 2 x1 − x2 + 0.5 with a little deterministic wiggle, for regression checks
function line(rows: number): TrainingData {
  const inputs = new Float32Array(rows * 2);
  const targets = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const a = Math.sin(r * 1.3) * 3;
    const b = Math.cos(r * 0.7) * 2;
    inputs.set([a, b], r * 2);
    targets[r] = 2 * a - b + 0.5 + 0.3 * Math.sin(r * 12.9);
  }
  return { rows, features: 2, outputs: 1, inputs, targets };
}
const lineShape: NetworkShape = {
  inputSize: 2,
  layers: [
    { units: 8, activation: 'tanh' },
    { units: 1, activation: 'identity' },
  ],
  divergence: 'l2',
};

const options = (o: Partial<TrainOptions>): TrainOptions => ({ ...defaultTrainOptions, ...o });

describe('train', () => {
  for (const optimizer of ['sgd', 'momentum', 'nesterov', 'adam'] as const) {
    it(`learns XOR with ${optimizer}`, () => {
      const learningRate = optimizer === 'adam' ? 0.05 : 0.5;
      const result = train(
        xorShape,
        xor,
        options({ epochs: 1500, optimizer, learningRate, tolerance: 0 }),
      );
      const y = predict(
        { shape: xorShape, params: result.params, scaler: result.scaler },
        xor.inputs,
        4,
      );
      expect(Array.from(y, Math.round)).toEqual([0, 1, 1, 0]);
      expect(result.final!.error).toBeLessThan(0.05);
      expect(result.final!.accuracy).toBe(1);
      expect(result.reason).toBe('max_epochs');
    });
  }

  it('gives bit-identical weights for the same seed, different ones for another seed', () => {
    const o = options({
      epochs: 20,
      batchSize: 7,
      optimizer: 'adam',
      learningRate: 0.01,
      seed: 42,
    });
    const a = train(lineShape, line(50), o);
    const b = train(lineShape, line(50), o);
    const c = train(lineShape, line(50), { ...o, seed: 43 });
    a.params.W.forEach((w, k) => expect(w).toEqual(b.params.W[k]));
    a.params.b.forEach((v, k) => expect(v).toEqual(b.params.b[k]));
    expect(a.params.W[0]).not.toEqual(c.params.W[0]);
  });

  it("'full' batch equals any batch size at least the row count", () => {
    const a = train(lineShape, line(30), options({ epochs: 10, batchSize: 'full' }));
    const b = train(lineShape, line(30), options({ epochs: 10, batchSize: 1000 }));
    expect(a.params.W[1]).toEqual(b.params.W[1]);
  });

  it('reports every epoch in order with the documented fields', () => {
    const reports: EpochReport[] = [];
    train(xorShape, xor, options({ epochs: 12, tolerance: 0 }), {
      onEpoch: (r) => reports.push(r),
    });
    expect(reports.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const r of reports) {
      expect(r.learningRate).toBe(0.1);
      expect(r.samplesPerSecond).toBeGreaterThan(0);
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.validationError).toBeUndefined();
    }
    expect(reports[11]!.elapsedMs).toBeGreaterThanOrEqual(reports[0]!.elapsedMs);
  });

  it('stops by the convergence rule: |ΔErr| < tolerance for patience epochs', () => {
    const reports: EpochReport[] = [];
    const result = train(
      lineShape,
      line(40),
      options({
        epochs: 5000,
        optimizer: 'adam',
        learningRate: 0.05,
        tolerance: 1e-5,
        patience: 4,
      }),
      { onEpoch: (r) => reports.push(r) },
    );
    expect(result.reason).toBe('converged');
    expect(result.epochs).toBeLessThan(5000);
    expect(result.epochs).toBe(reports.length);
    const tail = reports.slice(-5).map((r) => r.error);
    for (let i = 1; i < tail.length; i++)
      expect(Math.abs(tail[i]! - tail[i - 1]!)).toBeLessThan(1e-5);
    expect(result.message).toContain(`converged at epoch ${result.epochs}`);
  });

  it('tolerance 0 disables the convergence rule', () => {
    const result = train(
      lineShape,
      line(10),
      options({ epochs: 300, optimizer: 'adam', tolerance: 0 }),
    );
    expect(result.reason).toBe('max_epochs');
    expect(result.epochs).toBe(300);
  });

  it('ends with a clear reason when the error stops being finite', () => {
    const result = train(lineShape, line(40), options({ epochs: 100, learningRate: 1e6 }));
    expect(result.reason).toBe('diverged');
    expect(result.message).toMatch(/^diverged at epoch \d+/);
    expect(result.epochs).toBeLessThan(100);
  });

  it('stops when asked, between mini-batches', () => {
    let batches = 0;
    const result = train(lineShape, line(40), options({ epochs: 100, batchSize: 10 }), {
      shouldStop: () => ++batches > 6, // 4 batches per epoch: stops inside epoch 2
    });
    expect(result.reason).toBe('stopped');
    expect(result.epochs).toBe(1);
  });

  it('holds out validation rows and restores the best weights on early stopping', () => {
    const data = line(60);
    const noisy = options({
      epochs: 400,
      batchSize: 4,
      optimizer: 'adam',
      learningRate: 0.03,
      validationSplit: 0.25,
      patience: 8,
      tolerance: 0,
    });
    const big: NetworkShape = {
      ...lineShape,
      layers: [{ units: 64, activation: 'relu' }, lineShape.layers[1]!],
    };
    const reports: EpochReport[] = [];
    const stopped = train(big, data, noisy, { onEpoch: (r) => reports.push(r) });
    expect(stopped.trainRows).toBe(45);
    expect(stopped.validationRows).toBe(15);
    expect(stopped.reason).toBe('early_stopped');
    const best = Math.min(...reports.map((r) => r.validationError!));
    expect(stopped.final!.validationError).toBe(best);
    expect(stopped.bestEpoch).toBe(reports.find((r) => r.validationError === best)!.epoch);
    expect(stopped.epochs).toBe(stopped.bestEpoch! + 8);
    // the restored weights are exactly those after the best epoch
    const upToBest = train(big, data, { ...noisy, epochs: stopped.bestEpoch! });
    upToBest.params.W.forEach((w, k) => expect(stopped.params.W[k]).toEqual(w));
  });

  it('validates on the rows it is given (a cross-validation fold) and trains on the others, in order', () => {
    const data = line(30);
    const held = Uint32Array.of(3, 10, 11, 25, 29);
    const o = options({ epochs: 12, batchSize: 4, optimizer: 'adam', tolerance: 0, patience: 50 });
    const reports: EpochReport[] = [];
    const fold = train(lineShape, data, o, {
      validationRows: held,
      onEpoch: (r) => reports.push(r),
    });
    expect(fold.trainRows).toBe(25);
    expect(fold.validationRows).toBe(5);
    expect(reports.every((r) => r.validationError !== undefined)).toBe(true);
    // the training rows alone, with no validation, train through the same errors epoch by epoch
    const kept = [...Array(30).keys()].filter((r) => !held.includes(r));
    const rest: TrainingData = {
      rows: kept.length,
      features: 2,
      outputs: 1,
      inputs: Float32Array.from(kept.flatMap((r) => [...data.inputs.subarray(r * 2, r * 2 + 2)])),
      targets: Float32Array.from(kept.map((r) => data.targets[r]!)),
    };
    const alone: EpochReport[] = [];
    train(lineShape, rest, o, { onEpoch: (r) => alone.push(r) });
    expect(reports.map((r) => r.error)).toEqual(alone.map((r) => r.error));
    expect(() => train(lineShape, data, o, { validationRows: Uint32Array.of(1, 1) })).toThrow(
      /listed twice/,
    );
    expect(() => train(lineShape, data, o, { validationRows: Uint32Array.of(30) })).toThrow(
      /out of range/,
    );
  });

  it('weight decay shrinks the weights', () => {
    const norm = (w: Float32Array) => Math.hypot(...w);
    const plain = train(
      lineShape,
      line(40),
      options({ epochs: 200, optimizer: 'momentum', learningRate: 0.01 }),
    );
    const decayed = train(
      lineShape,
      line(40),
      options({ epochs: 200, optimizer: 'momentum', learningRate: 0.01, weightDecay: 0.1 }),
    );
    expect(norm(decayed.params.W[0]!)).toBeLessThan(0.9 * norm(plain.params.W[0]!));
  });

  it('standardises features with the training rows and keeps the scaler', () => {
    const result = train(lineShape, line(40), options({ epochs: 1 }));
    expect(result.scaler!.mean).toHaveLength(2);
    const raw = line(40);
    let mean = 0;
    for (let r = 0; r < 40; r++) mean += raw.inputs[r * 2]!;
    expect(result.scaler!.mean[0]).toBeCloseTo(mean / 40, 5);
    expect(
      train(lineShape, line(40), options({ epochs: 1, standardize: false })).scaler,
    ).toBeNull();
  });

  it('step-wise training yields every chunk and epoch, and ends as train() does', () => {
    const o = options({ epochs: 3, batchSize: 15, optimizer: 'adam', learningRate: 0.01 });
    const steps = trainSteps(lineShape, line(40), o);
    const seen: string[] = [];
    const reports: EpochReport[] = [];
    let result: ReturnType<typeof train> | undefined;
    for (;;) {
      const step = steps.next();
      if (step.done) {
        result = step.value;
        break;
      }
      seen.push(step.value.type);
      if (step.value.type === 'epoch') reports.push(step.value.report);
    }
    const epoch = ['chunk', 'chunk', 'chunk', 'epoch']; // 40 rows in batches of 15
    expect(seen).toEqual([...epoch, ...epoch, ...epoch]);
    const whole: EpochReport[] = [];
    const direct = train(lineShape, line(40), o, { onEpoch: (r) => whole.push(r) });
    expect(reports.map((r) => r.error)).toEqual(whole.map((r) => r.error));
    expect(result.params.W[0]).toEqual(direct.params.W[0]);
  });

  it('a batch larger than a chunk accumulates its gradient over chunks before one update', () => {
    const rows = 1200; // more than chunkRowsFor(lineShape) = 512
    expect(chunkRowsFor(lineShape)).toBe(512);
    const data = line(rows);
    const o = options({
      epochs: 1,
      optimizer: 'sgd',
      learningRate: 0.1,
      standardize: false,
      seed: 9,
    });
    const result = train(lineShape, data, o);
    // the same update computed in one pass over all rows
    const params = initParameters(lineShape, deriveSeed(9, 1));
    const network = createNetwork(lineShape, params);
    const ws = createWorkspace(network, rows);
    zeroGradients(ws);
    forward(network, ws, data.inputs, rows);
    backward(network, ws, data.inputs, data.targets, rows, 1 / rows);
    createOptimizer(o, params).step(params, ws.dW, ws.db);
    params.W.forEach((w, k) => {
      w.forEach((v, i) => expect(result.params.W[k]![i]).toBeCloseTo(v, 6));
    });
    params.b.forEach((b, k) => {
      b.forEach((v, i) => expect(result.params.b[k]![i]).toBeCloseTo(v, 6));
    });
  });

  it('a stop request is heard between chunks of one full batch', () => {
    let checks = 0;
    const result = train(lineShape, line(1200), options({ epochs: 5 }), {
      shouldStop: () => ++checks > 2,
    });
    expect(result.reason).toBe('stopped');
    expect(result.epochs).toBe(0);
    expect(checks).toBe(3); // chunks of 512, 512, then asked before the third
  });

  it('sizes chunks by the network: fewer rows for bigger networks', () => {
    const big: NetworkShape = {
      inputSize: 784,
      layers: [
        { units: 512, activation: 'relu' },
        { units: 512, activation: 'relu' },
        { units: 10, activation: 'softmax' },
      ],
      divergence: 'cross_entropy',
    };
    expect(chunkRowsFor(big)).toBe(49);
  });

  it('runs the wasm SIMD kernels by default, and they train as the TypeScript ones do', () => {
    const o = options({ epochs: 30, batchSize: 8, optimizer: 'adam', learningRate: 0.01, seed: 3 });
    const wasm = train(lineShape, line(50), o);
    const ts = train(lineShape, line(50), o, { kernel: 'typescript' });
    expect(wasm.kernel).toBe(bestKernel());
    expect(wasm.kernel).not.toBe('typescript');
    expect(ts.kernel).toBe('typescript');
    wasm.params.W.forEach((w, k) => {
      w.forEach((v, i) => expect(v).toBeCloseTo(ts.params.W[k]![i]!, 3));
    });
    expect(wasm.final!.error).toBeCloseTo(ts.final!.error, 4);
    // and the same seed gives the same weights on the wasm path too
    expect(train(lineShape, line(50), o).params.W[0]).toEqual(wasm.params.W[0]);
  });
});
