// Divergences Div(y, d) per instance and their gradients ∇_y Div (docs/BACKPROP.md,
// "Divergences").
// `value` returns the SUM over the batch; callers divide by T to get the mean Err.
// Logs are clamped so that y = 0 or y = 1 gives a large finite number, not Infinity.

export const divergenceNames = ['l2', 'cross_entropy', 'binary_cross_entropy'] as const;
export type DivergenceName = (typeof divergenceNames)[number];

export interface Divergence {
  readonly name: DivergenceName;
  // Σ_t Div(y_t, d_t).  y and d are (batch, n).
  value(y: Float32Array, d: Float32Array, batch: number, n: number): number;
  // dY = scale · ∇_y Div(y_t, d_t) for every instance t.  dY, y, d are (batch, n).
  gradient(
    dY: Float32Array,
    y: Float32Array,
    d: Float32Array,
    batch: number,
    n: number,
    scale: number,
  ): void;
}

const logFloor = 1e-12;

const l2: Divergence = {
  name: 'l2',
  value(y, d, batch, n) {
    let sum = 0;
    for (let i = 0; i < batch * n; i++) {
      const e = y[i]! - d[i]!;
      sum += e * e;
    }
    return 0.5 * sum;
  },
  gradient(dY, y, d, batch, n, scale) {
    for (let i = 0; i < batch * n; i++) dY[i] = scale * (y[i]! - d[i]!);
  },
};

const crossEntropy: Divergence = {
  name: 'cross_entropy',
  value(y, d, batch, n) {
    let sum = 0;
    for (let i = 0; i < batch * n; i++) {
      const t = d[i]!;
      if (t !== 0) sum -= t * Math.log(Math.max(y[i]!, logFloor));
    }
    return sum;
  },
  gradient(dY, y, d, batch, n, scale) {
    for (let i = 0; i < batch * n; i++) dY[i] = (-scale * d[i]!) / Math.max(y[i]!, logFloor);
  },
};

const binaryCrossEntropy: Divergence = {
  name: 'binary_cross_entropy',
  value(y, d, batch, n) {
    let sum = 0;
    for (let i = 0; i < batch * n; i++) {
      const p = y[i]!;
      const t = d[i]!;
      if (t !== 0) sum -= t * Math.log(Math.max(p, logFloor));
      if (t !== 1) sum -= (1 - t) * Math.log(Math.max(1 - p, logFloor));
    }
    return sum;
  },
  gradient(dY, y, d, batch, n, scale) {
    for (let i = 0; i < batch * n; i++) {
      const p = y[i]!;
      const t = d[i]!;
      dY[i] = scale * (-t / Math.max(p, logFloor) + (1 - t) / Math.max(1 - p, logFloor));
    }
  },
};

export function divergenceFor(name: DivergenceName): Divergence {
  switch (name) {
    case 'l2':
      return l2;
    case 'cross_entropy':
      return crossEntropy;
    case 'binary_cross_entropy':
      return binaryCrossEntropy;
  }
}

/**
 * Output activation and divergence pairs whose ∇_y Div · J_y(z) collapses to y − d:
 * identity + l2, sigmoid + binary_cross_entropy, and softmax + cross_entropy when every target
 * row sums to 1 (check with `rowsSumToOne`).
 */
export function fusablePair(activation: string, divergence: DivergenceName): boolean {
  return (
    (activation === 'identity' && divergence === 'l2') ||
    (activation === 'sigmoid' && divergence === 'binary_cross_entropy') ||
    (activation === 'softmax' && divergence === 'cross_entropy')
  );
}

/** True when every row of d (rows, n) sums to 1 within float32 rounding. */
export function rowsSumToOne(d: Float32Array, rows: number, n: number): boolean {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += d[r * n + i]!;
    if (Math.abs(sum - 1) > 1e-5) return false;
  }
  return true;
}
