// Activations f_k of docs/BACKPROP.md: scalar ones (diagonal Jacobian, element-wise backward) and
// vector ones (softmax, maxout), whose backward is a vector-Jacobian product that never builds
// the Jacobian. Any of them may sit in any layer. Buffers are row-major (batch, width).

export const scalarActivationNames = [
  'identity',
  'sigmoid',
  'tanh',
  'relu',
  'leaky_relu',
  'softplus',
  'elu',
] as const;
export const vectorActivationNames = ['softmax', 'maxout'] as const;
export const activationNames = [...scalarActivationNames, ...vectorActivationNames] as const;
export type ActivationName = (typeof activationNames)[number];

export interface LayerShape {
  /** D_k: the number of affine units (pre-activations) in the layer. */
  units: number;
  activation: ActivationName;
  /** maxout only: how many pre-activations each output takes the max over (M = units / groups). */
  groups?: number;
  /** leaky_relu only: the slope for z < 0 (default 0.01). */
  alpha?: number;
}

export interface Activation {
  readonly name: ActivationName;
  readonly kind: 'scalar' | 'vector';
  // y = f(z).  z is (batch, nIn), y is (batch, nOut).
  forward(y: Float32Array, z: Float32Array, batch: number, nIn: number, nOut: number): void;
  // dZ = dY · J_y(z).  dY is (batch, nOut), dZ is (batch, nIn); z and y from the forward pass.
  backward(
    dZ: Float32Array,
    dY: Float32Array,
    z: Float32Array,
    y: Float32Array,
    batch: number,
    nIn: number,
    nOut: number,
  ): void;
}

export const defaultLeakyAlpha = 0.01;

/** The layer's output width M: D for every activation but maxout, D / groups for maxout. */
export function outputWidth(layer: LayerShape): number {
  return layer.activation === 'maxout' ? layer.units / (layer.groups ?? 1) : layer.units;
}

const sigmoidOf = (z: number): number =>
  z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));

// log(1 + e^z) without overflow for large z.
const softplusOf = (z: number): number =>
  z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));

// Scalar activations, each with its own loops: one shared loop calling f(z) through a closure
// was a megamorphic call per element and cost about a sixth of a small network's epoch.
// Backward steps are element-wise products dZ = dY ⊙ f'(z), with f' read from z or y = f(z).
const identity: Activation = {
  name: 'identity',
  kind: 'scalar',
  forward(y, z, batch, nIn) {
    y.set(z.subarray(0, batch * nIn));
  },
  backward(dZ, dY, _z, _y, batch, nIn) {
    dZ.set(dY.subarray(0, batch * nIn));
  },
};

const sigmoid: Activation = {
  name: 'sigmoid',
  kind: 'scalar',
  forward(y, z, batch, nIn) {
    for (let i = 0; i < batch * nIn; i++) y[i] = sigmoidOf(z[i]!);
  },
  backward(dZ, dY, _z, y, batch, nIn) {
    for (let i = 0; i < batch * nIn; i++) dZ[i] = dY[i]! * y[i]! * (1 - y[i]!);
  },
};

const tanh: Activation = {
  name: 'tanh',
  kind: 'scalar',
  forward(y, z, batch, nIn) {
    for (let i = 0; i < batch * nIn; i++) y[i] = Math.tanh(z[i]!);
  },
  backward(dZ, dY, _z, y, batch, nIn) {
    for (let i = 0; i < batch * nIn; i++) dZ[i] = dY[i]! * (1 - y[i]! * y[i]!);
  },
};

// ReLU'(0) = 1, the notes' subgradient choice.
const relu: Activation = {
  name: 'relu',
  kind: 'scalar',
  forward(y, z, batch, nIn) {
    for (let i = 0; i < batch * nIn; i++) y[i] = Math.max(z[i]!, 0);
  },
  backward(dZ, dY, z, _y, batch, nIn) {
    for (let i = 0; i < batch * nIn; i++) dZ[i] = z[i]! >= 0 ? dY[i]! : 0;
  },
};

function leakyRelu(alpha: number): Activation {
  return {
    name: 'leaky_relu',
    kind: 'scalar',
    forward(y, z, batch, nIn) {
      for (let i = 0; i < batch * nIn; i++) y[i] = z[i]! >= 0 ? z[i]! : alpha * z[i]!;
    },
    backward(dZ, dY, z, _y, batch, nIn) {
      for (let i = 0; i < batch * nIn; i++) dZ[i] = z[i]! >= 0 ? dY[i]! : alpha * dY[i]!;
    },
  };
}

const softplus: Activation = {
  name: 'softplus',
  kind: 'scalar',
  forward(y, z, batch, nIn) {
    for (let i = 0; i < batch * nIn; i++) y[i] = softplusOf(z[i]!);
  },
  backward(dZ, dY, z, _y, batch, nIn) {
    for (let i = 0; i < batch * nIn; i++) dZ[i] = dY[i]! * sigmoidOf(z[i]!);
  },
};

// ELU (α = 1): z for z > 0, e^z − 1 below (expm1: exact near 0); f' = 1 above 0, e^z = y + 1 below.
const elu: Activation = {
  name: 'elu',
  kind: 'scalar',
  forward(y, z, batch, nIn) {
    for (let i = 0; i < batch * nIn; i++) y[i] = z[i]! > 0 ? z[i]! : Math.expm1(z[i]!);
  },
  backward(dZ, dY, z, y, batch, nIn) {
    for (let i = 0; i < batch * nIn; i++) dZ[i] = z[i]! > 0 ? dY[i]! : dY[i]! * (y[i]! + 1);
  },
};

// Softmax over each row; max(z) is subtracted before exp.
const softmax: Activation = {
  name: 'softmax',
  kind: 'vector',
  forward(y, z, batch, nIn) {
    for (let r = 0; r < batch; r++) {
      const row = r * nIn;
      let max = -Infinity;
      for (let i = 0; i < nIn; i++) max = Math.max(max, z[row + i]!);
      let sum = 0;
      for (let i = 0; i < nIn; i++) {
        const e = Math.exp(z[row + i]! - max);
        y[row + i] = e;
        sum += e;
      }
      for (let i = 0; i < nIn; i++) y[row + i]! /= sum;
    }
  },
  // dDiv/dz_i = sum_j g_j y_j (delta_ij - y_i) = y_i (g_i - g·y): O(D), no D×D matrix.
  backward(dZ, dY, _z, y, batch, nIn) {
    for (let r = 0; r < batch; r++) {
      const row = r * nIn;
      let dot = 0;
      for (let i = 0; i < nIn; i++) dot += dY[row + i]! * y[row + i]!;
      for (let i = 0; i < nIn; i++) dZ[row + i] = y[row + i]! * (dY[row + i]! - dot);
    }
  },
};

// Maxout: output m is the max of z over group m (groups of `size` adjacent units). Its Jacobian
// has one 1 per row, at the arg-max (first index on ties): a subgradient.
function maxout(size: number): Activation {
  const argmax = (z: Float32Array, start: number): number => {
    let best = start;
    for (let i = start + 1; i < start + size; i++) if (z[i]! > z[best]!) best = i;
    return best;
  };
  return {
    name: 'maxout',
    kind: 'vector',
    forward(y, z, batch, _nIn, nOut) {
      const n = batch * nOut;
      for (let m = 0; m < n; m++) y[m] = z[argmax(z, m * size)]!;
    },
    backward(dZ, dY, z, _y, batch, nIn, nOut) {
      dZ.fill(0, 0, batch * nIn);
      const n = batch * nOut;
      for (let m = 0; m < n; m++) dZ[argmax(z, m * size)] = dY[m]!;
    },
  };
}

export function activationFor(layer: LayerShape): Activation {
  switch (layer.activation) {
    case 'identity':
      return identity;
    case 'sigmoid':
      return sigmoid;
    case 'tanh':
      return tanh;
    case 'relu':
      return relu;
    case 'leaky_relu':
      return leakyRelu(layer.alpha ?? defaultLeakyAlpha);
    case 'softplus':
      return softplus;
    case 'elu':
      return elu;
    case 'softmax':
      return softmax;
    case 'maxout':
      return maxout(layer.groups ?? 1);
  }
}
