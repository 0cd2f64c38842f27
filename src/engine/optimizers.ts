// Parameter updates from the mean gradient of a batch: plain gradient descent (the notes'
// W -= η ∇Err, docs/BACKPROP.md "Training"), momentum, Nesterov momentum and Adam, with optional
// L2 weight decay on the weights (not the biases). State buffers are allocated once, at creation.

import { type Kernels, typescriptKernels } from './kernels.js';
import type { Parameters } from './network.js';

export const optimizerNames = ['sgd', 'momentum', 'nesterov', 'adam'] as const;
export type OptimizerName = (typeof optimizerNames)[number];

export interface OptimizerOptions {
  optimizer: OptimizerName;
  learningRate: number;
  /** momentum and nesterov: the velocity's decay μ. */
  momentum: number;
  /** adam: decay of the first and second moment estimates, and the denominator's epsilon. */
  beta1: number;
  beta2: number;
  epsilon: number;
  /** L2 penalty λ: the gradient of W gains λ W. */
  weightDecay: number;
}

export interface Optimizer {
  /** Applies one update; grads hold the mean gradient (dW like W, db like b). */
  step(params: Parameters, dW: Float32Array[], db: Float32Array[]): void;
  /** Its state (copies): the step count and the per-parameter buffers (velocity, moments). */
  state(): OptimizerState;
  /** Continues from a state taken from an optimizer of the same kind and shapes. */
  restore(state: OptimizerState): void;
}

export interface OptimizerState {
  steps: number;
  slots: Float32Array[];
}

type Update = (p: Float32Array, g: Float32Array, decay: number, slot: number) => void;

// Sutskever's momentum, v = μ v − η (g + λ p); p += v, with one velocity buffer per slot.
function momentumUpdate(velocity: Float32Array[], lr: number, mu: number): Update {
  return (p, g, decay, slot) => {
    const v = velocity[slot]!;
    for (let i = 0; i < p.length; i++) {
      v[i] = mu * v[i]! - lr * (g[i]! + decay * p[i]!);
      p[i]! += v[i]!;
    }
  };
}

// Nesterov momentum in Sutskever's form: p += −μ v_old + (1 + μ) v_new.
function nesterovUpdate(velocity: Float32Array[], lr: number, mu: number): Update {
  return (p, g, decay, slot) => {
    const v = velocity[slot]!;
    for (let i = 0; i < p.length; i++) {
      const previous = v[i]!;
      v[i] = mu * previous - lr * (g[i]! + decay * p[i]!);
      p[i]! += -mu * previous + (1 + mu) * v[i]!;
    }
  };
}

// Adam with bias correction by the step count t (read at each update).
function adamUpdate(
  m: Float32Array[],
  v: Float32Array[],
  options: OptimizerOptions,
  steps: () => number,
): Update {
  const { learningRate: lr, beta1, beta2, epsilon } = options;
  return (p, g, decay, slot) => {
    const ms = m[slot]!;
    const vs = v[slot]!;
    const t = steps();
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    for (let i = 0; i < p.length; i++) {
      const grad = g[i]! + decay * p[i]!;
      ms[i] = beta1 * ms[i]! + (1 - beta1) * grad;
      vs[i] = beta2 * vs[i]! + (1 - beta2) * grad * grad;
      p[i]! -= (lr * (ms[i]! / c1)) / (Math.sqrt(vs[i]! / c2) + epsilon);
    }
  };
}

// The update rule of options.optimizer; `state()` makes one state buffer per parameter array.
function updateFor(
  options: OptimizerOptions,
  kernels: Kernels,
  state: () => Float32Array[],
  steps: () => number,
): Update {
  const { learningRate: lr, momentum: mu } = options;
  switch (options.optimizer) {
    case 'sgd':
      return (p, g, decay) => kernels.sgd(p, g, p.length, lr, decay);
    case 'momentum':
      return momentumUpdate(state(), lr, mu);
    case 'nesterov':
      return nesterovUpdate(state(), lr, mu);
    case 'adam':
      return adamUpdate(state(), state(), options, steps);
  }
}

/** `kernels` run plain gradient descent (in wasm where the buffers are in its memory). */
export function createOptimizer(
  options: OptimizerOptions,
  params: Parameters,
  kernels: Kernels = typescriptKernels,
): Optimizer {
  // One state buffer per parameter array: slots 0..N-1 for W, N..2N-1 for b.
  const shapes = [...params.W, ...params.b];
  const slots: Float32Array[] = []; // every state buffer, in creation order
  const state = () => {
    const made = shapes.map((p) => new Float32Array(p.length));
    slots.push(...made);
    return made;
  };
  const nW = params.W.length;
  let t = 0; // adam's step count, for bias correction
  const update = updateFor(options, kernels, state, () => t);
  const { weightDecay } = options;

  return {
    state: () => ({ steps: t, slots: slots.map((s) => s.slice()) }),
    restore(saved) {
      if (saved.slots.length !== slots.length)
        throw new Error(
          `optimizer state has ${saved.slots.length} buffers, expected ${slots.length}`,
        );
      t = saved.steps;
      saved.slots.forEach((s, i) => slots[i]!.set(s));
    },
    step(p, dW, db) {
      t++;
      for (let k = 0; k < nW; k++) update(p.W[k]!, dW[k]!, weightDecay, k);
      for (let k = 0; k < nW; k++) update(p.b[k]!, db[k]!, 0, nW + k);
    },
  };
}
