// Each activation's backward step against the product with its full Jacobian, built here in the
// test (the engine never builds it), plus the notes' subgradient conventions.
import { describe, expect, it } from 'vitest';
import { activationFor, activationNames, type LayerShape } from '../../src/engine/index.js';

const batch = 3;

// J[i][j] = dy_j / dz_i for one row, by the definitions in BACKPROP.md.
function fullJacobian(layer: LayerShape, z: number[], y: number[]): number[][] {
  const D = z.length;
  const M = y.length;
  const J = Array.from({ length: D }, () => new Array<number>(M).fill(0));
  const diag = (f: (zi: number, yi: number) => number) => {
    for (let i = 0; i < D; i++) J[i]![i] = f(z[i]!, y[i]!);
  };
  switch (layer.activation) {
    case 'identity':
      diag(() => 1);
      break;
    case 'sigmoid':
      diag((_, yi) => yi * (1 - yi));
      break;
    case 'tanh':
      diag((_, yi) => 1 - yi * yi);
      break;
    case 'relu':
      diag((zi) => (zi >= 0 ? 1 : 0));
      break;
    case 'leaky_relu':
      diag((zi) => (zi >= 0 ? 1 : (layer.alpha ?? 0.01)));
      break;
    case 'softplus':
      diag((zi) => 1 / (1 + Math.exp(-zi)));
      break;
    case 'elu':
      diag((zi) => (zi > 0 ? 1 : Math.exp(zi)));
      break;
    case 'softmax':
      for (let i = 0; i < D; i++)
        for (let j = 0; j < M; j++) J[i]![j] = y[j]! * ((i === j ? 1 : 0) - y[i]!);
      break;
    case 'maxout': {
      const k = layer.groups!;
      for (let m = 0; m < M; m++) {
        let best = m * k;
        for (let i = m * k + 1; i < m * k + k; i++) if (z[i]! > z[best]!) best = i;
        J[best]![m] = 1;
      }
      break;
    }
  }
  return J;
}

function layerFor(name: (typeof activationNames)[number]): LayerShape {
  if (name === 'maxout') return { units: 6, activation: name, groups: 2 };
  if (name === 'leaky_relu') return { units: 6, activation: name, alpha: 0.1 };
  return { units: 6, activation: name };
}

describe('activations: backward equals dY · J_y(z)', () => {
  for (const name of activationNames) {
    it(name, () => {
      const layer = layerFor(name);
      const act = activationFor(layer);
      const D = layer.units;
      const M = name === 'maxout' ? D / layer.groups! : D;
      // includes an exact 0 (ReLU'(0) = 1) and a tie for maxout (first index wins)
      const z = Float32Array.from({ length: batch * D }, (_, i) =>
        i === 2 ? 0 : Math.sin(i * 1.7) * 2,
      );
      z[7] = z[6]!;
      const y = new Float32Array(batch * M);
      act.forward(y, z, batch, D, M);
      const dY = Float32Array.from({ length: batch * M }, (_, i) => Math.cos(i * 0.9));
      const dZ = new Float32Array(batch * D).fill(Number.NaN);
      act.backward(dZ, dY, z, y, batch, D, M);
      for (let r = 0; r < batch; r++) {
        const zr = Array.from(z.subarray(r * D, r * D + D));
        const yr = Array.from(y.subarray(r * M, r * M + M));
        const J = fullJacobian(layer, zr, yr);
        for (let i = 0; i < D; i++) {
          let expected = 0;
          for (let j = 0; j < M; j++) expected += dY[r * M + j]! * J[i]![j]!;
          expect(dZ[r * D + i]).toBeCloseTo(expected, 5);
        }
      }
    });
  }
});

describe('activation conventions', () => {
  it("ReLU'(0) = 1", () => {
    const relu = activationFor({ units: 1, activation: 'relu' });
    const z = Float32Array.of(0, -0.5, 0.5);
    const y = new Float32Array(3);
    relu.forward(y, z, 1, 3, 3);
    const dZ = new Float32Array(3);
    relu.backward(dZ, Float32Array.of(2, 2, 2), z, y, 1, 3, 3);
    expect(Array.from(dZ)).toEqual([2, 0, 2]);
  });

  it('maxout takes the first index on ties and has M = D / groups outputs', () => {
    const maxout = activationFor({ units: 4, activation: 'maxout', groups: 2 });
    const z = Float32Array.of(3, 3, -1, 5);
    const y = new Float32Array(2);
    maxout.forward(y, z, 1, 4, 2);
    expect(Array.from(y)).toEqual([3, 5]);
    const dZ = new Float32Array(4);
    maxout.backward(dZ, Float32Array.of(7, 9), z, y, 1, 4, 2);
    expect(Array.from(dZ)).toEqual([7, 0, 0, 9]);
  });

  it('softmax is stable for large pre-activations', () => {
    const softmax = activationFor({ units: 3, activation: 'softmax' });
    const y = new Float32Array(3);
    softmax.forward(y, Float32Array.of(1000, 1000, -1000), 1, 3, 3);
    expect(y[0]).toBeCloseTo(0.5, 6);
    expect(y[1]).toBeCloseTo(0.5, 6);
    expect(y[2]).toBe(0);
  });

  it('softplus does not overflow', () => {
    const softplus = activationFor({ units: 2, activation: 'softplus' });
    const y = new Float32Array(2);
    softplus.forward(y, Float32Array.of(100, -100), 1, 2, 2);
    expect(y[0]).toBeCloseTo(100, 4);
    expect(y[1]).toBeGreaterThan(0);
    expect(y[1]).toBeLessThan(1e-40);
  });
});
