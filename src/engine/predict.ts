// Using a trained network: outputs for new inputs (scaled as in training), and the mean error
// and accuracy over a labelled set. A predictor keeps its buffers between calls, for a server
// that answers many small requests with one model.

import type { DivergenceName } from './divergences.js';
import { createWasmArena, heapArena } from './kernels.js';
import {
  createNetwork,
  createWorkspace,
  forward,
  type Network,
  type NetworkShape,
  outputSizeOf,
  type Parameters,
  parameterCount,
  parametersIn,
  type Workspace,
  workspaceFloats,
} from './network.js';
import { applyScaler, type Scaler } from './scaler.js';

export interface Model {
  shape: NetworkShape;
  params: Parameters;
  scaler: Scaler | null;
}

const chunkRows = 256;

/** Outputs (rows, outputSize) for inputs (rows, inputSize) given in raw, unscaled units. */
export type Predictor = (inputs: Float32Array, rows: number) => Float32Array;

/**
 * A predictor for one model: the network and its buffers are made once, and inputs are scaled
 * and run through in chunks of `capacity` rows. Not re-entrant (one call at a time). It runs the
 * plain SIMD kernels, never the relaxed fused multiply-add that training may use: a model's
 * outputs are then the same bits on every machine (the service, `backprop predict` on a
 * laptop, any CPU), which a fused multiply-add, fused on some CPUs and not on others, is not.
 */
export function createPredictor(model: Model, capacity = chunkRows): Predictor {
  const nIn = model.shape.inputSize;
  const nOut = outputSizeOf(model.shape);
  const floats =
    parameterCount(model.shape) + workspaceFloats(model.shape, capacity) + capacity * nIn;
  const arena = createWasmArena(floats, { exact: true }) ?? heapArena;
  const params = parametersIn(arena, model.params);
  const network = createNetwork(model.shape, params, { kernels: arena.kernels });
  const ws = createWorkspace(network, capacity, arena);
  const x = arena.alloc(capacity * nIn);
  return (inputs, rows) => {
    const out = new Float32Array(rows * nOut);
    for (let start = 0; start < rows; start += capacity) {
      const batch = Math.min(capacity, rows - start);
      const raw = inputs.subarray(start * nIn, (start + batch) * nIn);
      if (model.scaler) applyScaler(x, raw, batch, nIn, model.scaler);
      else x.set(raw);
      const y = forward(network, ws, x, batch);
      out.set(y.subarray(0, batch * nOut), start * nOut);
    }
    return out;
  };
}

/** Outputs (rows, outputSize) for inputs (rows, inputSize) given in raw, unscaled units. */
export function predict(model: Model, inputs: Float32Array, rows: number): Float32Array {
  return createPredictor(model, Math.max(1, Math.min(rows, chunkRows)))(inputs, rows);
}

function scaled(model: Model, inputs: Float32Array, rows: number): Float32Array {
  if (!model.scaler) return inputs;
  const x = new Float32Array(rows * model.shape.inputSize);
  applyScaler(x, inputs, rows, model.shape.inputSize, model.scaler);
  return x;
}

/** How accuracy is counted: arg-max for cross-entropy, 0.5 threshold per output for BCE. */
export type AccuracyMode = 'argmax' | 'threshold' | null;

export function accuracyModeOf(divergence: DivergenceName): AccuracyMode {
  if (divergence === 'cross_entropy') return 'argmax';
  if (divergence === 'binary_cross_entropy') return 'threshold';
  return null;
}

/** Arg-max of each row of y (rows, n); first index on ties. */
export function argmaxRows(y: Float32Array, rows: number, n: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let i = 1; i < n; i++) if (y[r * n + i]! > y[r * n + best]!) best = i;
    out[r] = best;
  }
  return out;
}

// Correct predictions in y against d, both (batch, n): rows for argmax, outputs for threshold.
export function countCorrect(
  mode: AccuracyMode,
  y: Float32Array,
  d: Float32Array,
  batch: number,
  n: number,
): number {
  let correct = 0;
  if (mode === 'argmax') {
    for (let r = 0; r < batch; r++) {
      let bestY = 0;
      let bestD = 0;
      for (let i = 1; i < n; i++) {
        if (y[r * n + i]! > y[r * n + bestY]!) bestY = i;
        if (d[r * n + i]! > d[r * n + bestD]!) bestD = i;
      }
      if (bestY === bestD) correct++;
    }
  } else if (mode === 'threshold') {
    for (let i = 0; i < batch * n; i++) if (y[i]! >= 0.5 === d[i]! >= 0.5) correct++;
  }
  return correct;
}

/** Accuracy from a correct count: per row for argmax, per output for threshold. */
export function accuracyOf(mode: AccuracyMode, correct: number, rows: number, n: number) {
  if (mode === null || rows === 0) return undefined;
  return correct / (mode === 'threshold' ? rows * n : rows);
}

export interface Evaluation {
  error: number;
  accuracy?: number;
}

// Mean divergence and accuracy of the network over x (rows, nIn) against d (rows, nOut),
// x already scaled; runs in chunks of the workspace's capacity.
export function evaluateScaled(
  network: Network,
  ws: Workspace,
  x: Float32Array,
  d: Float32Array,
  rows: number,
): Evaluation {
  const nIn = network.shape.inputSize;
  const last = network.layers[network.layers.length - 1]!;
  const mode = accuracyModeOf(network.shape.divergence);
  let errorSum = 0;
  let correct = 0;
  for (let start = 0; start < rows; start += ws.capacity) {
    const batch = Math.min(ws.capacity, rows - start);
    const xs = x.subarray(start * nIn, (start + batch) * nIn);
    const ds = d.subarray(start * last.nOut, (start + batch) * last.nOut);
    const y = forward(network, ws, xs, batch);
    errorSum += network.divergence.value(y, ds, batch, last.nOut);
    correct += countCorrect(mode, y, ds, batch, last.nOut);
  }
  const accuracy = accuracyOf(mode, correct, rows, last.nOut);
  return accuracy === undefined ? { error: errorSum / rows } : { error: errorSum / rows, accuracy };
}

/** Mean divergence and accuracy of a model on raw inputs (rows, inputSize) and targets. */
export function evaluate(
  model: Model,
  inputs: Float32Array,
  targets: Float32Array,
  rows: number,
): Evaluation {
  const network = createNetwork(model.shape, model.params);
  const ws = createWorkspace(network, Math.max(1, Math.min(rows, chunkRows)));
  return evaluateScaled(network, ws, scaled(model, inputs, rows), targets, rows);
}
