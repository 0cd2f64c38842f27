// Setting up a training run: the rows split into training and validation, copied into one arena
// (wasm memory where the SIMD kernels run) and standardised, the network, its workspace, the batch
// buffers and the replicas of a thread team; all allocated once, before the first epoch. Not the
// loop that runs it (train.ts, epoch.ts), nor when to stop (early-stopping.ts).

import { rowsSumToOne } from './divergences.js';
import { type Arena, createWasmArena, heapArena, typescriptKernels } from './kernels.js';
import {
  createNetwork,
  createWorkspace,
  initParameters,
  type Network,
  type NetworkShape,
  type Parameters,
  parameterCount,
  parametersIn,
  type Workspace,
  workspaceFloats,
} from './network.js';
import { createOptimizer, type Optimizer } from './optimizers.js';
import { createReplicaSet, type ReplicaSet, replicaFloats, type ThreadTeam } from './parallel.js';
import { accuracyModeOf } from './predict.js';
import { createRandom, deriveSeed, shuffle } from './random.js';
import { applyScaler, fitScaler, type Scaler } from './scaler.js';
import type { TrainHooks, TrainingData, TrainOptions } from './train-types.js';

/** The loop state of one training run; everything is allocated once, before the first epoch. */
export interface Run {
  network: Network;
  ws: Workspace;
  optimizer: Optimizer;
  train: TrainingData;
  validation: TrainingData | null;
  batchSize: number;
  order: Uint32Array;
  xBatch: Float32Array;
  dBatch: Float32Array;
  random: ReturnType<typeof createRandom>;
  /** With a team: the replicas that share each batch. */
  replicas: ReplicaSet | null;
  scaler: Scaler | null;
  /** Epochs completed. */
  epoch: number;
  /** Where the current epoch is: rows trained, and its running sums. */
  position: number;
  errorSum: number;
  correct: number;
  /** The clock, and when training started by it (moved back on resume, so elapsedMs carries on). */
  now: () => number;
  started: number;
  options: TrainOptions;
  hooks: TrainHooks;
}

/**
 * Rows per forward/backward pass: about 2·10⁸ flops (a tenth of a second in plain JavaScript),
 * between 16 and 512 rows. Bounds buffer memory and how long a stop request waits.
 */
export function chunkRowsFor(shape: NetworkShape): number {
  const flopsPerRow = 6 * parameterCount(shape);
  return Math.max(16, Math.min(512, Math.floor(2e8 / flopsPerRow)));
}

/**
 * Which of `rows` rows train and which validate: a seeded hold-out split (the last
 * round(rows × validationSplit) of a shuffle, at least 1 and at most rows − 1), or every row in
 * order. Exported so that whoever prepares the rows (a table's preprocessing, fitted on the
 * training rows only) knows exactly which rows the run will hold out.
 */
export function validationSplitOf(
  rows: number,
  options: Pick<TrainOptions, 'validationSplit' | 'seed'>,
): [Uint32Array, Uint32Array | null] {
  const order = Uint32Array.from({ length: rows }, (_, i) => i);
  if (options.validationSplit <= 0) return [order, null];
  shuffle(order, createRandom(deriveSeed(options.seed, 2)));
  const held = Math.min(rows - 1, Math.max(1, Math.round(rows * options.validationSplit)));
  return [order.subarray(0, rows - held), order.subarray(rows - held)];
}

/** The rows that train when `validation` (positions among `rows`) validate: the others, in order. */
export function splitOut(rows: number, validation: Uint32Array): [Uint32Array, Uint32Array] {
  const held = new Uint8Array(rows);
  for (const r of validation) {
    if (r >= rows || held[r])
      throw new Error(`validation row ${r} is out of range or listed twice`);
    held[r] = 1;
  }
  const train = new Uint32Array(rows - validation.length);
  let i = 0;
  for (let r = 0; r < rows; r++) if (!held[r]) train[i++] = r;
  return [train, validation];
}

// The rows `picked` of data, copied into buffers from the arena (one copy, straight to where the
// kernels read them).
function pickRows(arena: Arena, data: TrainingData, picked: Uint32Array): TrainingData {
  const rows = picked.length;
  const { features, outputs } = data;
  const inputs = arena.alloc(rows * features);
  const targets = arena.alloc(rows * outputs);
  if (rows === data.rows && picked[rows - 1] === rows - 1 && picked[0] === 0) {
    inputs.set(data.inputs.subarray(0, rows * features)); // every row, in order
    targets.set(data.targets.subarray(0, rows * outputs));
  } else {
    typescriptKernels.gather(inputs, data.inputs, picked, 0, rows, features);
    typescriptKernels.gather(targets, data.targets, picked, 0, rows, outputs);
  }
  return { rows, features, outputs, inputs, targets };
}

// The buffers a run needs, in a wasm arena when the SIMD kernels are to run (each buffer they
// touch must be in their memory), else on the heap.
function arenaFor(
  shape: NetworkShape,
  data: TrainingData,
  capacity: number,
  hooks: TrainHooks,
): Arena {
  if (hooks.kernel === 'typescript') return heapArena;
  const width = data.features + data.outputs;
  const threads = 1 + (hooks.team?.helpers ?? 0);
  const floats =
    parameterCount(shape) +
    workspaceFloats(shape, capacity) +
    threads * capacity * width +
    data.rows * (width + 1) + // the rows (train and validation) and the shuffle order
    (threads > 1 ? replicaFloats(threads, workspaceFloats(shape, capacity)) : 0);
  const arena = createWasmArena(floats, { shared: threads > 1 });
  if (!arena && hooks.kernel === 'wasm') throw new Error('WebAssembly SIMD is not available here');
  return arena ?? heapArena;
}

// The training and validation rows in the arena, standardised by a scaler fitted on the training
// rows only.
function placeRows(
  arena: Arena,
  data: TrainingData,
  [trainRows, validationRows]: [Uint32Array, Uint32Array | null],
  standardize: boolean,
  given: Scaler | null | undefined,
) {
  const train = pickRows(arena, data, trainRows);
  const validation = validationRows ? pickRows(arena, data, validationRows) : null;
  let scaler: Scaler | null = null;
  if (standardize) {
    scaler = given ?? fitScaler(train.inputs, train.rows, train.features);
    if (scaler.mean.length !== train.features)
      throw new Error(
        `the starting scaler has ${scaler.mean.length} features but the data has ${train.features}`,
      );
    for (const set of validation ? [train, validation] : [train])
      applyScaler(set.inputs, set.inputs, set.rows, set.features, scaler);
  }
  return { train, validation, scaler };
}

// The network in the arena, with seeded initial weights or (a warm start) a copy of `start`.
function networkFor(
  shape: NetworkShape,
  train: TrainingData,
  arena: Arena,
  seed: number,
  start: Parameters | undefined,
) {
  const initial = initParameters(shape, deriveSeed(seed, 1));
  if (start) checkStart(initial, start);
  const params = parametersIn(arena, start ?? initial);
  // softmax + cross_entropy may use y − d only when every target row is a distribution
  const fuseOutput =
    shape.divergence !== 'cross_entropy' || rowsSumToOne(train.targets, train.rows, train.outputs);
  return createNetwork(shape, params, { fuseOutput, kernels: arena.kernels });
}

// The starting parameters must have the network's layers and shapes.
function checkStart(expected: Parameters, start: Parameters): void {
  const fits = (a: Float32Array[], b: Float32Array[]) =>
    a.length === b.length && a.every((x, k) => x.length === b[k]!.length);
  if (!fits(expected.W, start.W) || !fits(expected.b, start.b))
    throw new Error("the starting parameters do not have the network's shapes");
}

// A team runs only where the arena is shared wasm memory (not on the TypeScript kernels).
function teamFor(arena: Arena, hooks: TrainHooks): ThreadTeam | null {
  return hooks.team && hooks.team.helpers > 0 && arena.memory ? hooks.team : null;
}

// Everything a run needs: the rows split, copied into the arena and standardised, the network, its
// workspace, the batch buffers and the replicas. Buffers are taken from the arena in a fixed order.
export function createRun(
  shape: NetworkShape,
  data: TrainingData,
  options: TrainOptions,
  hooks: TrainHooks,
): Run {
  const split = hooks.validationRows
    ? splitOut(data.rows, hooks.validationRows)
    : validationSplitOf(data.rows, options);
  const rows = split[0].length;
  const batchSize = options.batchSize === 'full' ? rows : Math.min(options.batchSize, rows);
  const capacity = Math.min(batchSize, chunkRowsFor(shape));
  const arena = arenaFor(shape, data, capacity, hooks);
  const { train, validation, scaler } = placeRows(
    arena,
    data,
    split,
    options.standardize,
    hooks.start?.scaler,
  );
  const order = arena.allocIndices(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  const network = networkFor(shape, train, arena, options.seed, hooks.start?.params);
  const ws = createWorkspace(network, capacity, arena);
  const team = teamFor(arena, hooks);
  const threads = team ? 1 + team.helpers : 1;
  const xBatch = arena.alloc(threads * capacity * train.features);
  const dBatch = arena.alloc(threads * capacity * train.outputs);
  const replicas = team
    ? createReplicaSet(team, arena, network, ws, {
        features: train.features,
        outputs: train.outputs,
        mode: accuracyModeOf(shape.divergence),
      })
    : null;
  const now = hooks.now ?? (() => performance.now());
  return {
    network,
    ws,
    optimizer: createOptimizer(options, network.params, arena.kernels),
    train,
    validation,
    batchSize,
    order,
    xBatch,
    dBatch,
    random: createRandom(deriveSeed(options.seed, 3)),
    replicas,
    scaler,
    epoch: 0,
    position: 0,
    errorSum: 0,
    correct: 0,
    now,
    started: now(),
    options,
    hooks,
  };
}
