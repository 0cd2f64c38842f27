// Engine gradients (float32) against central finite differences of an independent float64
// reference, for every activation and divergence, vector activations in hidden layers included.
import { describe, expect, it } from 'vitest';
import {
  backward,
  createNetwork,
  createRandom,
  createWorkspace,
  forward,
  initParameters,
  type NetworkShape,
  zeroGradients,
} from '../../src/engine/index.js';
import { referenceErr } from '../helpers/reference.js';

const T = 5;

function randomRows(
  rows: number,
  width: number,
  seed: number,
  kind: 'real' | 'prob' | 'onehot' | 'unit',
) {
  const random = createRandom(seed);
  return Array.from({ length: rows }, () => {
    if (kind === 'onehot') {
      const row = new Array<number>(width).fill(0);
      row[random.int(width)] = 1;
      return row;
    }
    const row = Array.from({ length: width }, () =>
      kind === 'real' ? 2 * random.normal() : 0.05 + 0.9 * random.next(),
    );
    if (kind === 'prob') {
      const s = row.reduce((a, v) => a + v, 0);
      return row.map((v) => v / s);
    }
    return row;
  });
}

function checkAgainstFiniteDifferences(
  shape: NetworkShape,
  targets: 'real' | 'prob' | 'onehot' | 'unit',
) {
  const params = initParameters(shape, 7);
  // non-zero biases so that every bias gradient is exercised away from symmetric points
  const random = createRandom(11);
  for (const b of params.b) for (let i = 0; i < b.length; i++) b[i] = 0.3 * random.normal();
  const network = createNetwork(shape, params, { fuseOutput: false });
  const nOut = network.layers[network.layers.length - 1]!.nOut;
  const x = randomRows(T, shape.inputSize, 3, 'real');
  const d = randomRows(T, nOut, 5, targets);

  const ws = createWorkspace(network, T);
  const xf = Float32Array.from(x.flat());
  const df = Float32Array.from(d.flat());
  zeroGradients(ws);
  forward(network, ws, xf, T);
  backward(network, ws, xf, df, T, 1 / T);

  // the reference sees exactly the float32 values the engine used
  const W = params.W.map((w) => Array.from(w));
  const b = params.b.map((v) => Array.from(v));
  const xs = x.map((r) => r.map(Math.fround));
  const ds = d.map((r) => r.map(Math.fround));
  const h = 1e-6;
  let checked = 0;
  const probe = (arr: number[], i: number, analytic: number, what: string) => {
    const keep = arr[i]!;
    arr[i] = keep + h;
    const up = referenceErr(shape, W, b, xs, ds);
    arr[i] = keep - h;
    const down = referenceErr(shape, W, b, xs, ds);
    arr[i] = keep;
    const numeric = (up - down) / (2 * h);
    const tolerance = 1e-4 + 1e-3 * Math.abs(numeric);
    if (!(Math.abs(analytic - numeric) <= tolerance)) {
      throw new Error(`${what}: engine ${analytic}, finite difference ${numeric}`);
    }
    checked++;
  };
  W.forEach((w, k) => w.forEach((_, i) => probe(w, i, ws.dW[k]![i]!, `dW[${k}][${i}]`)));
  b.forEach((v, k) => v.forEach((_, i) => probe(v, i, ws.db[k]![i]!, `db[${k}][${i}]`)));
  return checked;
}

const hidden = ['identity', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'softplus', 'elu'] as const;

describe('finite differences', () => {
  for (const activation of hidden) {
    it(`${activation} hidden layer, l2 output`, () => {
      const shape: NetworkShape = {
        inputSize: 3,
        layers: [
          { units: 4, activation, ...(activation === 'leaky_relu' ? { alpha: 0.2 } : {}) },
          { units: 2, activation: 'identity' },
        ],
        divergence: 'l2',
      };
      expect(checkAgainstFiniteDifferences(shape, 'real')).toBe(4 * 3 + 4 + 2 * 4 + 2);
    });
  }

  it('softmax output with cross_entropy and soft targets (general path)', () => {
    const shape: NetworkShape = {
      inputSize: 3,
      layers: [
        { units: 5, activation: 'tanh' },
        { units: 4, activation: 'softmax' },
      ],
      divergence: 'cross_entropy',
    };
    expect(checkAgainstFiniteDifferences(shape, 'prob')).toBeGreaterThan(0);
  });

  it('softmax output with l2 (full Jacobian, not y − d)', () => {
    const shape: NetworkShape = {
      inputSize: 3,
      layers: [
        { units: 4, activation: 'relu' },
        { units: 3, activation: 'softmax' },
      ],
      divergence: 'l2',
    };
    expect(checkAgainstFiniteDifferences(shape, 'onehot')).toBeGreaterThan(0);
  });

  it('softmax in a hidden layer', () => {
    const shape: NetworkShape = {
      inputSize: 4,
      layers: [
        { units: 5, activation: 'softmax' },
        { units: 3, activation: 'sigmoid' },
      ],
      divergence: 'binary_cross_entropy',
    };
    expect(checkAgainstFiniteDifferences(shape, 'unit')).toBeGreaterThan(0);
  });

  it('maxout in a hidden layer (M = D / groups outputs)', () => {
    const shape: NetworkShape = {
      inputSize: 3,
      layers: [
        { units: 6, activation: 'maxout', groups: 3 },
        { units: 2, activation: 'identity' },
      ],
      divergence: 'l2',
    };
    expect(checkAgainstFiniteDifferences(shape, 'real')).toBe(6 * 3 + 6 + 2 * 2 + 2);
  });

  it('maxout as the output layer', () => {
    const shape: NetworkShape = {
      inputSize: 4,
      layers: [
        { units: 6, activation: 'softplus' },
        { units: 4, activation: 'maxout', groups: 2 },
      ],
      divergence: 'l2',
    };
    expect(checkAgainstFiniteDifferences(shape, 'real')).toBeGreaterThan(0);
  });

  it('binary_cross_entropy after sigmoid, multi-label, general path', () => {
    const shape: NetworkShape = {
      inputSize: 2,
      layers: [
        { units: 3, activation: 'leaky_relu' },
        { units: 3, activation: 'sigmoid' },
      ],
      divergence: 'binary_cross_entropy',
    };
    expect(checkAgainstFiniteDifferences(shape, 'unit')).toBeGreaterThan(0);
  });
});
