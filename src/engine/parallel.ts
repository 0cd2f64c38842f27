// Data-parallel training of one network across threads that share a wasm memory. Every thread is
// a replica: the same parameters (one copy, in the shared memory), a workspace of its own. Each
// chunk of a batch is split into contiguous shards, one per replica, by a rule that depends only
// on the row count and the number of threads; every replica runs forward and backward on its
// shard into its own gradients; after the batch the gradients are summed in replica order
// (0, 1, 2, …) into replica 0's, which the optimizer then applies. The same seed and thread count
// therefore give the same weights, bit for bit.
//
// Threads hand work to each other through an Int32 control block in the shared memory, spinning
// on Atomics (a wake-up from Atomics.wait costs tens of microseconds, too much for small
// batches); an idle helper spins a while, then sleeps in Atomics.wait. Starting the threads is
// I/O and lives outside the engine: a ThreadTeam hands each helper the ReplicaSetup, and the
// helper calls runReplica, which returns once training ends.

import type { Arena, Kernels } from './kernels.js';
import { wasmKernelsFor } from './kernels.js';
import {
  backward,
  batchError,
  createNetwork,
  createWorkspace,
  forward,
  type Network,
  type NetworkShape,
  type Parameters,
  type Workspace,
} from './network.js';
import type { AccuracyMode } from './predict.js';
import { countCorrect } from './predict.js';

/** Threads besides the caller's, ready to run replicas (made outside the engine). */
export interface ThreadTeam {
  /** How many helper threads: the run uses 1 + helpers replicas. */
  readonly helpers: number;
  /** Hands every helper the run's setup; helper h (1-based) then calls runReplica(setup, h). */
  start(setup: ReplicaSetup): void;
}

interface WorkspaceOffsets {
  z: number[];
  y: number[];
  dZ: number[];
  dY: number[];
  dW: number[];
  db: number[];
}

/** What a helper needs to rebuild its replica: plain data and the shared memory (cloneable). */
export interface ReplicaSetup {
  memory: WebAssembly.Memory;
  shape: NetworkShape;
  fuseOutput: boolean;
  mode: AccuracyMode;
  capacity: number;
  features: number;
  outputs: number;
  /** Byte offsets of the parameters in the memory. */
  W: number[];
  b: number[];
  /** Byte offsets of each replica's workspace (index 0 is the caller's). */
  workspaces: WorkspaceOffsets[];
  /** Byte offsets of the Int32 control block and the Float64 results. */
  control: number;
  results: number;
}

// Control block slots.
const GEN = 0; // bumped for every command
const OP = 1; // what the command is
const X = 2; // byte offset of the chunk's inputs
const D = 3; // byte offset of the chunk's targets
const ROWS = 4; // rows in the chunk
const ZERO = 5; // 1: zero the gradients first (a batch's first chunk)
/** The most threads one run may use. */
export const maxThreads = 64;
const DONE = 8; // DONE + r: the generation replica r finished
const FAILED = DONE + maxThreads; // FAILED + r: 1 if replica r threw
const controlInts = FAILED + maxThreads;
const SHARD = 0;
const EXIT = 1;
// Results (Float64): [scale, then per replica: divergence sum, correct count].
const SCALE = 0;

const spinsBeforeSleep = 200_000;

/** Rows [from, to) of a chunk of `rows` that replica r of `n` works on. */
export function shardOf(rows: number, r: number, n: number): [number, number] {
  return [Math.floor((rows * r) / n), Math.floor((rows * (r + 1)) / n)];
}

/** Floats to add to an arena for `threads` replicas of a network with this workspace size. */
export function replicaFloats(threads: number, workspaceFloats: number): number {
  return (threads - 1) * workspaceFloats + controlInts + 2 * (1 + 2 * threads) + 16;
}

function offsetsOf(ws: Workspace): WorkspaceOffsets {
  const at = (views: Float32Array[]) => views.map((v) => v.byteOffset);
  return { z: at(ws.z), y: at(ws.y), dZ: at(ws.dZ), dY: at(ws.dY), dW: at(ws.dW), db: at(ws.db) };
}

function viewsAt(buffer: ArrayBufferLike, offsets: number[], lengths: number[]): Float32Array[] {
  return offsets.map((o, k) => new Float32Array(buffer, o, lengths[k]!));
}

function workspaceAt(
  buffer: ArrayBufferLike,
  network: Network,
  capacity: number,
  o: WorkspaceOffsets,
): Workspace {
  const ls = network.layers;
  const units = ls.map((l) => capacity * l.units);
  const outs = ls.map((l) => capacity * l.nOut);
  return {
    capacity,
    z: viewsAt(buffer, o.z, units),
    y: viewsAt(buffer, o.y, outs),
    dZ: viewsAt(buffer, o.dZ, units),
    dY: viewsAt(buffer, o.dY, outs),
    dW: viewsAt(
      buffer,
      o.dW,
      ls.map((l) => l.units * l.nIn),
    ),
    db: viewsAt(
      buffer,
      o.db,
      ls.map((l) => l.units),
    ),
  };
}

interface Replica {
  network: Network;
  ws: Workspace;
  buffer: ArrayBufferLike;
  control: Int32Array;
  results: Float64Array;
  setup: ReplicaSetup;
}

// Forward and backward on replica r's shard of the current chunk; records its divergence sum
// and correct count.
function runShard(replica: Replica, r: number, n: number): void {
  const { network, ws, buffer, control, results, setup } = replica;
  const { features, outputs } = setup;
  if (control[ZERO] === 1) {
    for (const g of ws.dW) g.fill(0);
    for (const g of ws.db) g.fill(0);
  }
  const [from, to] = shardOf(control[ROWS]!, r, n);
  const rows = to - from;
  let error = 0;
  let correct = 0;
  if (rows > 0) {
    const x = new Float32Array(buffer, control[X]! + from * features * 4, rows * features);
    const d = new Float32Array(buffer, control[D]! + from * outputs * 4, rows * outputs);
    const y = forward(network, ws, x, rows);
    error = batchError(network, ws, d, rows);
    correct = countCorrect(setup.mode, y, d, rows, outputs);
    backward(network, ws, x, d, rows, results[SCALE]!);
  }
  results[1 + 2 * r] = error;
  results[2 + 2 * r] = correct;
}

/** The caller's side of a data-parallel run: replica 0, and the means to drive the others. */
export interface ReplicaSet {
  readonly threads: number;
  /**
   * One chunk of `rows` rows at x, d (views in the shared memory), split across the replicas:
   * gradients accumulate into each replica's own buffers (zeroed first when `zero`); returns the
   * chunk's divergence sum and correct count, summed in replica order.
   */
  chunk(
    x: Float32Array,
    d: Float32Array,
    rows: number,
    zero: boolean,
    scale: number,
  ): { error: number; correct: number };
  /** Sums every replica's gradients into replica 0's workspace, in replica order. */
  reduce(): void;
  /** Tells the helpers that training is over; they return from runReplica. */
  close(): void;
}

// The layout the replicas share, allocated in `arena`: the helpers' workspaces (replica 0 uses
// `ws`), the control block and the results.
function layoutReplicas(
  arena: Arena,
  memory: WebAssembly.Memory,
  network: Network,
  ws: Workspace,
  data: { features: number; outputs: number; mode: AccuracyMode },
  threads: number,
): { setup: ReplicaSetup; workspaces: Workspace[] } {
  const workspaces = [ws];
  for (let r = 1; r < threads; r++) workspaces.push(createWorkspace(network, ws.capacity, arena));
  const controlView = arena.alloc(controlInts);
  const resultsView = arena.alloc(2 * (1 + 2 * threads));
  const setup: ReplicaSetup = {
    memory,
    shape: network.shape,
    fuseOutput: network.fusedOutput,
    mode: data.mode,
    capacity: ws.capacity,
    features: data.features,
    outputs: data.outputs,
    W: network.params.W.map((w) => w.byteOffset),
    b: network.params.b.map((b) => b.byteOffset),
    workspaces: workspaces.map(offsetsOf),
    control: controlView.byteOffset,
    results: resultsView.byteOffset,
  };
  return { setup, workspaces };
}

// ReplicaSet.chunk: hands the chunk to the helpers, runs replica 0's shard here, waits for the
// others, and sums every replica's results in replica order.
function runChunk(
  replica: Replica,
  threads: number,
  x: Float32Array,
  d: Float32Array,
  rows: number,
  zero: boolean,
  scale: number,
): { error: number; correct: number } {
  const { control, results } = replica;
  control[X] = x.byteOffset;
  control[D] = d.byteOffset;
  control[ROWS] = rows;
  control[ZERO] = zero ? 1 : 0;
  control[OP] = SHARD;
  results[SCALE] = scale;
  const generation = Atomics.add(control, GEN, 1) + 1;
  Atomics.notify(control, GEN);
  runShard(replica, 0, threads);
  for (let r = 1; r < threads; r++) {
    while (Atomics.load(control, DONE + r) !== generation) {
      // spin: the helpers finish their shards at about the same time as this one
    }
    if (control[FAILED + r] === 1) throw new Error(`training thread ${r} failed`);
  }
  let error = 0;
  let correct = 0;
  for (let r = 0; r < threads; r++) {
    error += results[1 + 2 * r]!;
    correct += results[2 + 2 * r]!;
  }
  return { error, correct };
}

/**
 * Allocates the helpers' workspaces and the control block in `arena` (whose memory must be
 * shared), starts the team on them, and returns the caller's handle.
 */
export function createReplicaSet(
  team: ThreadTeam,
  arena: Arena,
  network: Network,
  ws: Workspace,
  data: { features: number; outputs: number; mode: AccuracyMode },
): ReplicaSet {
  const memory = arena.memory;
  if (!memory) throw new Error('data-parallel training needs a shared wasm memory');
  const threads = 1 + team.helpers;
  const { setup, workspaces } = layoutReplicas(arena, memory, network, ws, data, threads);
  const buffer = memory.buffer;
  const replica: Replica = {
    network,
    ws,
    buffer,
    control: new Int32Array(buffer, setup.control, controlInts),
    results: new Float64Array(buffer, setup.results, 1 + 2 * threads),
    setup,
  };
  team.start(setup);
  const kernels: Kernels = network.kernels;
  return {
    threads,
    chunk: (x, d, rows, zero, scale) => runChunk(replica, threads, x, d, rows, zero, scale),
    reduce() {
      for (let r = 1; r < threads; r++) {
        const other = workspaces[r]!;
        ws.dW.forEach((g, k) => kernels.accumulate(g, other.dW[k]!, g.length));
        ws.db.forEach((g, k) => kernels.accumulate(g, other.db[k]!, g.length));
      }
    },
    close() {
      const { control } = replica;
      control[OP] = EXIT;
      Atomics.add(control, GEN, 1);
      Atomics.notify(control, GEN);
    },
  };
}

/**
 * A helper thread's whole life: rebuilds replica `index` from the setup, then runs every shard
 * it is handed until the run is closed. Blocks its thread (spinning, then sleeping).
 */
export function runReplica(setup: ReplicaSetup, index: number): void {
  const { memory } = setup;
  const buffer = memory.buffer;
  const kernels = wasmKernelsFor(memory, true);
  if (!kernels) throw new Error('WebAssembly SIMD is not available in this thread');
  const threads = setup.workspaces.length;
  const params: Parameters = { W: [], b: [] };
  const network = createNetwork(setup.shape, params, { fuseOutput: setup.fuseOutput, kernels });
  network.layers.forEach((l, k) => {
    params.W.push(new Float32Array(buffer, setup.W[k]!, l.units * l.nIn));
    params.b.push(new Float32Array(buffer, setup.b[k]!, l.units));
  });
  const replica: Replica = {
    network,
    ws: workspaceAt(buffer, network, setup.capacity, setup.workspaces[index]!),
    buffer,
    control: new Int32Array(buffer, setup.control, controlInts),
    results: new Float64Array(buffer, setup.results, 1 + 2 * threads),
    setup,
  };
  const { control } = replica;
  let seen = 0;
  for (;;) {
    let spins = 0;
    while (Atomics.load(control, GEN) === seen) {
      if (++spins > spinsBeforeSleep) Atomics.wait(control, GEN, seen);
    }
    seen = Atomics.load(control, GEN);
    if (control[OP] === EXIT) return;
    try {
      runShard(replica, index, threads);
    } catch (error) {
      control[FAILED + index] = 1;
      Atomics.store(control, DONE + index, seen);
      throw error;
    }
    Atomics.store(control, DONE + index, seen);
  }
}
