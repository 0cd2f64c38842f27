// A fully-connected network: its parameters W_k, b_k in the notes' convention, the buffers of
// one (network, batch capacity), and the batch-first forward and backward passes of
// docs/BACKPROP.md ("Backward pass", "Doing it fast").
// Gradients accumulate into the workspace; the caller zeroes them (`zeroGradients`).

import { type Activation, activationFor, type LayerShape, outputWidth } from './activations.js';
import { type Divergence, type DivergenceName, divergenceFor, fusablePair } from './divergences.js';
import { type Arena, heapArena, type Kernels, typescriptKernels } from './kernels.js';
import { createRandom } from './random.js';

export interface NetworkShape {
  inputSize: number;
  layers: LayerShape[];
  divergence: DivergenceName;
}

/** W[k] is (D_k, D_{k-1}) row-major: row j holds the weights into unit j. b[k] is (D_k). */
export interface Parameters {
  W: Float32Array[];
  b: Float32Array[];
}

export interface Layer {
  /** Width of the layer's input y_{k-1}. */
  nIn: number;
  /** D_k: affine units. */
  units: number;
  /** Width of the layer's output y_k (units, or units / groups for maxout). */
  nOut: number;
  activation: Activation;
}

export interface Network {
  shape: NetworkShape;
  layers: Layer[];
  divergence: Divergence;
  params: Parameters;
  /** Output gradient taken as y − d directly (see `fusablePair`). */
  fusedOutput: boolean;
  /** The code that runs the matrix products (see kernels.ts). */
  kernels: Kernels;
}

/** Per-layer input, unit and output widths. */
export function layersOf(shape: NetworkShape): Layer[] {
  let nIn = shape.inputSize;
  return shape.layers.map((layer) => {
    const l = {
      nIn,
      units: layer.units,
      nOut: outputWidth(layer),
      activation: activationFor(layer),
    };
    nIn = l.nOut;
    return l;
  });
}

export function outputSizeOf(shape: NetworkShape): number {
  const last = shape.layers[shape.layers.length - 1];
  return last ? outputWidth(last) : shape.inputSize;
}

/** Number of trainable parameters (weights and biases). */
export function parameterCount(shape: NetworkShape): number {
  return layersOf(shape).reduce((n, l) => n + l.units * (l.nIn + 1), 0);
}

const heActivations = new Set(['relu', 'leaky_relu', 'softplus', 'elu', 'maxout']);

/**
 * Seeded initialisation: He normal (std √(2/fan-in)) before ReLU-like activations, Xavier
 * uniform (±√(6/(fan-in + fan-out))) before the others; biases zero.
 */
export function initParameters(shape: NetworkShape, seed: number): Parameters {
  const random = createRandom(seed);
  const W: Float32Array[] = [];
  const b: Float32Array[] = [];
  for (const layer of layersOf(shape)) {
    const w = new Float32Array(layer.units * layer.nIn);
    if (heActivations.has(layer.activation.name)) {
      const std = Math.sqrt(2 / layer.nIn);
      for (let i = 0; i < w.length; i++) w[i] = std * random.normal();
    } else {
      const limit = Math.sqrt(6 / (layer.nIn + layer.units));
      for (let i = 0; i < w.length; i++) w[i] = limit * (2 * random.next() - 1);
    }
    W.push(w);
    b.push(new Float32Array(layer.units));
  }
  return { W, b };
}

export function createNetwork(
  shape: NetworkShape,
  params: Parameters,
  options: { fuseOutput?: boolean; kernels?: Kernels } = {},
): Network {
  const layers = layersOf(shape);
  const last = shape.layers[shape.layers.length - 1]!;
  const fusable = fusablePair(last.activation, shape.divergence);
  return {
    shape,
    layers,
    divergence: divergenceFor(shape.divergence),
    params,
    fusedOutput: fusable && (options.fuseOutput ?? true),
    kernels: options.kernels ?? typescriptKernels,
  };
}

/** Buffers for batches of up to `capacity` rows, allocated once and reused every step. */
export interface Workspace {
  capacity: number;
  z: Float32Array[]; // (capacity, units): cached for the backward pass
  y: Float32Array[]; // (capacity, nOut)
  dZ: Float32Array[]; // (capacity, units)
  dY: Float32Array[]; // (capacity, nOut)
  dW: Float32Array[]; // like W
  db: Float32Array[]; // like b
}

export function createWorkspace(
  network: Network,
  capacity: number,
  arena: Arena = heapArena,
): Workspace {
  const ls = network.layers;
  return {
    capacity,
    z: ls.map((l) => arena.alloc(capacity * l.units)),
    y: ls.map((l) => arena.alloc(capacity * l.nOut)),
    dZ: ls.map((l) => arena.alloc(capacity * l.units)),
    dY: ls.map((l) => arena.alloc(capacity * l.nOut)),
    dW: ls.map((l) => arena.alloc(l.units * l.nIn)),
    db: ls.map((l) => arena.alloc(l.units)),
  };
}

/** Floats a workspace of this capacity takes, for sizing an arena. */
export function workspaceFloats(shape: NetworkShape, capacity: number): number {
  return layersOf(shape).reduce(
    (n, l) => n + capacity * 2 * (l.units + l.nOut) + l.units * (l.nIn + 1),
    0,
  );
}

/** The parameters copied into buffers from the arena (where the wasm kernels can reach them). */
export function parametersIn(arena: Arena, p: Parameters): Parameters {
  const copy = (a: Float32Array) => {
    const view = arena.alloc(a.length);
    view.set(a);
    return view;
  };
  return { W: p.W.map(copy), b: p.b.map(copy) };
}

export function zeroGradients(ws: Workspace): void {
  for (const g of ws.dW) g.fill(0);
  for (const g of ws.db) g.fill(0);
}

// Forward pass; returns the output buffer y_N.  x is (batch, inputSize), batch ≤ capacity.
export function forward(
  network: Network,
  ws: Workspace,
  x: Float32Array,
  batch: number,
): Float32Array {
  const { layers, params } = network;
  let input = x;
  for (let k = 0; k < layers.length; k++) {
    const l = layers[k]!;
    network.kernels.affineForward(
      ws.z[k]!,
      input,
      params.W[k]!,
      params.b[k]!,
      batch,
      l.nIn,
      l.units,
    );
    if (!network.kernels.activate(l.activation.name, ws.y[k]!, ws.z[k]!, batch, l.units))
      l.activation.forward(ws.y[k]!, ws.z[k]!, batch, l.units, l.nOut);
    input = ws.y[k]!;
  }
  return input;
}

// Σ_t Div(y_t, d_t) over the batch of the last forward pass.  d is (batch, nOut).
export function batchError(network: Network, ws: Workspace, d: Float32Array, batch: number) {
  const k = network.layers.length - 1;
  return network.divergence.value(ws.y[k]!, d, batch, network.layers[k]!.nOut);
}

// Backward pass after `forward` on the same x: dW, db += scale · Σ_t ∇ Div(y_t, d_t).
// scale is 1/T for the mean. The first layer's input gradient is never computed.
export function backward(
  network: Network,
  ws: Workspace,
  x: Float32Array,
  d: Float32Array,
  batch: number,
  scale: number,
): void {
  const { layers, params, kernels } = network;
  const n = layers.length - 1;
  const out = layers[n]!;
  if (network.fusedOutput) {
    const y = ws.y[n]!;
    const dZ = ws.dZ[n]!;
    kernels.scaledDifference(dZ, y, d, batch * out.nOut, scale);
  } else {
    network.divergence.gradient(ws.dY[n]!, ws.y[n]!, d, batch, out.nOut, scale);
    out.activation.backward(ws.dZ[n]!, ws.dY[n]!, ws.z[n]!, ws.y[n]!, batch, out.units, out.nOut);
  }
  for (let k = n; k >= 0; k--) {
    const l = layers[k]!;
    const input = k === 0 ? x : ws.y[k - 1]!;
    kernels.affineBackwardParams(ws.dW[k]!, ws.db[k]!, ws.dZ[k]!, input, batch, l.nIn, l.units);
    if (k === 0) break;
    const below = layers[k - 1]!;
    kernels.affineBackwardInput(ws.dY[k - 1]!, ws.dZ[k]!, params.W[k]!, batch, l.nIn, l.units);
    const [dZ, dY, z, y] = [ws.dZ[k - 1]!, ws.dY[k - 1]!, ws.z[k - 1]!, ws.y[k - 1]!];
    if (!kernels.activateBackward(below.activation.name, dZ, dY, z, y, batch * below.units))
      below.activation.backward(dZ, dY, z, y, batch, below.units, below.nOut);
  }
}

export function cloneParameters(p: Parameters): Parameters {
  return { W: p.W.map((w) => w.slice()), b: p.b.map((b) => b.slice()) };
}

export function copyParameters(to: Parameters, from: Parameters): void {
  from.W.forEach((w, k) => to.W[k]!.set(w));
  from.b.forEach((b, k) => to.b[k]!.set(b));
}
