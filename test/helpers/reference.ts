// An independent float64 reference: per-instance forward pass and Err straight from the
// definitions in BACKPROP.md, written without the engine's code, for finite differences.
import type { LayerShape, NetworkShape } from '../../src/engine/index.js';

function activate(layer: LayerShape, z: number[]): number[] {
  switch (layer.activation) {
    case 'identity':
      return z;
    case 'sigmoid':
      return z.map((v) => 1 / (1 + Math.exp(-v)));
    case 'tanh':
      return z.map(Math.tanh);
    case 'relu':
      return z.map((v) => Math.max(v, 0));
    case 'leaky_relu':
      return z.map((v) => (v >= 0 ? v : (layer.alpha ?? 0.01) * v));
    case 'softplus':
      return z.map((v) => Math.log(1 + Math.exp(v)));
    case 'elu':
      return z.map((v) => (v > 0 ? v : Math.exp(v) - 1));
    case 'softmax': {
      const e = z.map(Math.exp);
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    }
    case 'maxout': {
      const k = layer.groups ?? 1;
      const out: number[] = [];
      for (let m = 0; m < z.length / k; m++) out.push(Math.max(...z.slice(m * k, m * k + k)));
      return out;
    }
  }
}

function divergence(name: NetworkShape['divergence'], y: number[], d: number[]): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const [p, t] = [y[i]!, d[i]!];
    if (name === 'l2') s += 0.5 * (p - t) ** 2;
    else if (name === 'cross_entropy') s -= t * Math.log(p);
    else s -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
  }
  return s;
}

/** W[k] flat (units, nIn) row-major, b[k]; x and d are lists of rows. Returns mean Err. */
export function referenceErr(
  shape: NetworkShape,
  W: number[][],
  b: number[][],
  x: number[][],
  d: number[][],
): number {
  let total = 0;
  for (let t = 0; t < x.length; t++) {
    let y = x[t]!;
    shape.layers.forEach((layer, k) => {
      const z: number[] = [];
      for (let j = 0; j < layer.units; j++) {
        let s = b[k]![j]!;
        for (let i = 0; i < y.length; i++) s += W[k]![j * y.length + i]! * y[i]!;
        z.push(s);
      }
      y = activate(layer, z);
    });
    total += divergence(shape.divergence, y, d[t]!);
  }
  return total / x.length;
}
