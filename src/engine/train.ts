// Training by backpropagation: the notes' gradient-descent loop (full batch by default) and its
// mini-batch variant, with a stated convergence rule, optional validation with early stopping,
// seeded initialisation and shuffles. Reports through callbacks; stops when asked.

import { rowsSumToOne } from './divergences.js';
import {
  type Arena,
  createWasmArena,
  heapArena,
  type KernelName,
  typescriptKernels,
} from './kernels.js';
import {
  backward,
  batchError,
  cloneParameters,
  copyParameters,
  createNetwork,
  createWorkspace,
  forward,
  initParameters,
  type Network,
  type NetworkShape,
  type Parameters,
  parameterCount,
  parametersIn,
  type Workspace,
  workspaceFloats,
  zeroGradients,
} from './network.js';
import {
  createOptimizer,
  type Optimizer,
  type OptimizerOptions,
  type OptimizerState,
} from './optimizers.js';
import { createReplicaSet, type ReplicaSet, replicaFloats, type ThreadTeam } from './parallel.js';
import { accuracyModeOf, accuracyOf, countCorrect, evaluateScaled } from './predict.js';
import { createRandom, deriveSeed, shuffle } from './random.js';
import { applyScaler, fitScaler, type Scaler } from './scaler.js';

export interface TrainOptions extends OptimizerOptions {
  /** Maximum number of epochs. */
  epochs: number;
  /** Rows per update; 'full' is the notes' full-batch gradient descent. */
  batchSize: number | 'full';
  /** Converged when |Err_t − Err_{t−1}| < tolerance for `patience` epochs in a row; 0 disables. */
  tolerance: number;
  /** Epochs for the convergence rule, and without validation improvement for early stopping. */
  patience: number;
  /** Fraction of rows held out (seeded) for validation and early stopping; 0 disables. */
  validationSplit: number;
  /** Reshuffle the rows every epoch (mini-batch only). */
  shuffle: boolean;
  /** Standardise features with the training rows' mean and std (kept with the model). */
  standardize: boolean;
  seed: number;
  /**
   * Threads for data-parallel training. The engine runs on the threads of `hooks.team`; callers
   * make a team of threads − 1 helpers (1: the calling thread alone).
   */
  threads: number;
}

export const defaultTrainOptions: TrainOptions = {
  epochs: 100,
  batchSize: 'full',
  learningRate: 0.1,
  optimizer: 'sgd',
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
  tolerance: 1e-7,
  patience: 10,
  validationSplit: 0,
  shuffle: true,
  standardize: true,
  seed: 1,
  threads: 1,
};

export interface TrainingData {
  rows: number;
  features: number;
  outputs: number;
  inputs: Float32Array; // (rows, features)
  targets: Float32Array; // (rows, outputs)
}

export interface EpochReport {
  epoch: number;
  /** Mean divergence over the epoch's training rows, as each batch was trained. */
  error: number;
  validationError?: number;
  accuracy?: number;
  validationAccuracy?: number;
  learningRate: number;
  elapsedMs: number;
  samplesPerSecond: number;
}

export type StopReason = 'max_epochs' | 'converged' | 'early_stopped' | 'stopped' | 'diverged';

export interface TrainHooks {
  onEpoch?(report: EpochReport): void;
  /** Checked before every mini-batch; returning true ends training with reason 'stopped'. */
  shouldStop?(): boolean;
  /** Milliseconds clock; defaults to performance.now. */
  now?(): number;
  /** Which kernels run the products: 'auto' (default) takes wasm-simd wherever it loads. */
  kernel?: 'auto' | 'wasm' | 'typescript';
  /**
   * Helper threads for data-parallel training (see parallel.ts); used with the wasm kernels.
   * Each batch is split across them; the same seed and team size give the same weights.
   */
  team?: ThreadTeam;
}

export interface TrainResult {
  params: Parameters;
  scaler: Scaler | null;
  /** The kernels that ran. */
  kernel: KernelName;
  /** The threads that trained (1 + the team's helpers, or 1 without a team). */
  threads: number;
  reason: StopReason;
  message: string;
  /** Epochs completed. */
  epochs: number;
  /** With validation: the epoch whose weights were kept (best validation error). */
  bestEpoch?: number;
  /** The report of the epoch whose weights are returned (undefined if no epoch completed). */
  final?: EpochReport;
  trainRows: number;
  validationRows: number;
}

// Which rows train and which validate: a seeded hold-out split, or every row in order.
function splitRows(data: TrainingData, options: TrainOptions): [Uint32Array, Uint32Array | null] {
  const order = Uint32Array.from({ length: data.rows }, (_, i) => i);
  if (options.validationSplit <= 0) return [order, null];
  shuffle(order, createRandom(deriveSeed(options.seed, 2)));
  const held = Math.min(
    data.rows - 1,
    Math.max(1, Math.round(data.rows * options.validationSplit)),
  );
  return [order.subarray(0, data.rows - held), order.subarray(data.rows - held)];
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

/** The loop state of one training run; everything is allocated once, before the first epoch. */
interface Run {
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
  /** Where the current epoch is: rows trained, and its running sums. */
  position: number;
  errorSum: number;
  correct: number;
  options: TrainOptions;
  hooks: TrainHooks;
}

/**
 * What the step-wise trainer yields: after every chunk of a mini-batch (a batch larger than
 * `chunkRows` is worked through in chunks, its gradient accumulated, then one update), and after
 * every epoch.
 */
export type TrainStep =
  | {
      type: 'chunk';
      /** The chunk ended its batch and the update is applied: a checkpoint may be taken. */
      batchEnd: boolean;
    }
  | { type: 'epoch'; report: EpochReport };

/**
 * Everything a run needs to continue exactly where it was, taken at a batch boundary: resumed
 * with the same data, options and kernels, it ends with bit-identical weights.
 */
export interface TrainCheckpoint {
  /** Epochs completed. */
  epoch: number;
  /** Training rows of the current epoch already trained (a batch boundary). */
  position: number;
  /** The current epoch's running divergence sum and correct count. */
  errorSum: number;
  correct: number;
  /** The current epoch's row order, and the shuffle generator's state after it. */
  order: Uint32Array;
  random: number;
  params: Parameters;
  optimizer: OptimizerState;
  /** With validation: the best weights so far, their error and report. */
  best: Parameters | null;
  bestError: number;
  bestReport?: EpochReport;
  last?: EpochReport;
  sinceBest: number;
  calm: number;
  /** Training time so far, so that reports' elapsedMs carry on. */
  elapsedMs: number;
}

/**
 * Rows per forward/backward pass: about 2·10⁸ flops (a tenth of a second in plain JavaScript),
 * between 16 and 512 rows. Bounds buffer memory and how long a stop request waits.
 */
export function chunkRowsFor(shape: NetworkShape): number {
  const flopsPerRow = 6 * parameterCount(shape);
  return Math.max(16, Math.min(512, Math.floor(2e8 / flopsPerRow)));
}

// Copies rows order[from..from+count) into the batch buffers; full batches skip this.
function gather(run: Run, from: number, count: number): void {
  const { train, order, xBatch, dBatch, network } = run;
  network.kernels.gather(xBatch, train.inputs, order, from, count, train.features);
  network.kernels.gather(dBatch, train.targets, order, from, count, train.outputs);
}

// One pass over the training rows (or the rest of one, from run.position), yielding after each
// chunk, the last chunk of a batch after its update; the sums accumulate in run.errorSum and
// run.correct. Returns false if shouldStop asked to stop (the interrupted batch is not applied).
function* runEpoch(run: Run): Generator<TrainStep, boolean> {
  const { network, ws, train, batchSize, options } = run;
  const { features, outputs } = train;
  const mode = accuracyModeOf(network.shape.divergence);
  const inOrder = batchSize >= train.rows; // full batch: rows are used where they lie
  if (run.position === 0 && !inOrder && options.shuffle) shuffle(run.order, run.random);
  const { replicas } = run;
  const stride = ws.capacity * (replicas?.threads ?? 1); // rows per chunk
  for (let start = run.position; start < train.rows; start += batchSize) {
    const batch = Math.min(batchSize, train.rows - start);
    if (!replicas) zeroGradients(ws);
    let errorSum = 0;
    let correct = 0;
    for (let c = start; c < start + batch; c += stride) {
      if (run.hooks.shouldStop?.()) return false;
      const rows = Math.min(stride, start + batch - c);
      let x = run.xBatch;
      let d = run.dBatch;
      if (inOrder) {
        // full batch: chunks are views of the rows where they lie (no copy)
        x = train.inputs.subarray(c * features, (c + rows) * features);
        d = train.targets.subarray(c * outputs, (c + rows) * outputs);
      } else {
        gather(run, c, rows);
      }
      if (replicas) {
        // the chunk split across the threads; the gradients are summed after the batch
        const sums = replicas.chunk(x, d, rows, c === start, 1 / batch);
        errorSum += sums.error;
        correct += sums.correct;
      } else {
        const y = forward(network, ws, x, rows);
        errorSum += batchError(network, ws, d, rows);
        correct += countCorrect(mode, y, d, rows, outputs);
        backward(network, ws, x, d, rows, 1 / batch); // the mean over the whole batch
      }
      const batchEnd = c + rows >= start + batch;
      if (batchEnd) {
        replicas?.reduce();
        run.optimizer.step(network.params, ws.dW, ws.db);
        run.errorSum += errorSum;
        run.correct += correct;
        run.position = start + batch;
      }
      yield { type: 'chunk', batchEnd };
    }
  }
  return true;
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

// Everything a run needs: the rows split, copied into the arena and standardised (the scaler is
// fitted on the training rows only), the network, its workspace and the batch buffers.
function createRun(
  shape: NetworkShape,
  data: TrainingData,
  options: TrainOptions,
  hooks: TrainHooks,
): Run {
  const [trainRows, validationRows] = splitRows(data, options);
  const rows = trainRows.length;
  const batchSize = options.batchSize === 'full' ? rows : Math.min(options.batchSize, rows);
  const capacity = Math.min(batchSize, chunkRowsFor(shape));
  const arena = arenaFor(shape, data, capacity, hooks);
  const train = pickRows(arena, data, trainRows);
  const validation = validationRows ? pickRows(arena, data, validationRows) : null;
  let scaler: Scaler | null = null;
  if (options.standardize) {
    scaler = fitScaler(train.inputs, train.rows, train.features);
    for (const set of validation ? [train, validation] : [train])
      applyScaler(set.inputs, set.inputs, set.rows, set.features, scaler);
  }
  const order = arena.allocIndices(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  const params = parametersIn(arena, initParameters(shape, deriveSeed(options.seed, 1)));
  // softmax + cross_entropy may use y − d only when every target row is a distribution
  const fuseOutput =
    shape.divergence !== 'cross_entropy' || rowsSumToOne(train.targets, train.rows, train.outputs);
  const network = createNetwork(shape, params, { fuseOutput, kernels: arena.kernels });
  const ws = createWorkspace(network, capacity, arena);
  // a team runs only where the arena is shared wasm memory (not on the TypeScript kernels)
  const team = hooks.team && hooks.team.helpers > 0 && arena.memory ? hooks.team : null;
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
  return {
    network,
    ws,
    optimizer: createOptimizer(options, params, arena.kernels),
    train,
    validation,
    batchSize,
    order,
    xBatch,
    dBatch,
    random: createRandom(deriveSeed(options.seed, 3)),
    replicas,
    scaler,
    position: 0,
    errorSum: 0,
    correct: 0,
    options,
    hooks,
  };
}

/** Trains a network of `shape` on `data` with fully resolved `options`, start to finish. */
export function train(
  shape: NetworkShape,
  data: TrainingData,
  options: TrainOptions,
  hooks: TrainHooks = {},
): TrainResult {
  const steps = trainSteps(shape, data, options, hooks);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (step.value.type === 'epoch') hooks.onEpoch?.(step.value.report);
  }
}

/** A run driven step by step, with checkpoints at batch boundaries. */
export interface Training {
  steps: Generator<TrainStep, TrainResult>;
  /**
   * The state to resume from; call only while the steps are suspended right after a chunk step
   * with batchEnd (throws elsewhere). Copies every buffer.
   */
  checkpoint(): TrainCheckpoint;
}

/**
 * The same training, one mini-batch at a time: a caller that must stay responsive (a worker
 * thread streaming epochs to Redis, listening for a cancel) runs a few steps, then yields to its
 * event loop. Epoch reports arrive as `{type: 'epoch'}` steps rather than through onEpoch.
 * Given `resume` (a checkpoint of the same job), it continues from there.
 */
export function createTraining(
  shape: NetworkShape,
  data: TrainingData,
  options: TrainOptions,
  hooks: Omit<TrainHooks, 'onEpoch'> = {},
  resume?: TrainCheckpoint,
): Training {
  const now = hooks.now ?? (() => performance.now());
  const run = createRun(shape, data, options, hooks);
  const { network, train: trainSet, validation } = run;
  const mode = accuracyModeOf(shape.divergence);
  const progress = {
    epoch: 0,
    best: validation ? cloneParameters(network.params) : null,
    bestError: Number.POSITIVE_INFINITY,
    bestReport: undefined as EpochReport | undefined,
    last: undefined as EpochReport | undefined,
    sinceBest: 0,
    calm: 0,
    started: now(),
    /** True while the steps are suspended after a batch's update. */
    atBatchEnd: false,
  };
  if (resume) restore(run, progress, resume, now);

  function* steps(): Generator<TrainStep, TrainResult> {
    let reason: StopReason = 'max_epochs';
    try {
      while (progress.epoch < options.epochs) {
        const epochStart = now();
        for (const step of runEpoch(run) as Iterable<TrainStep>) {
          progress.atBatchEnd = step.type === 'chunk' && step.batchEnd;
          yield step;
          progress.atBatchEnd = false;
        }
        if (run.position < trainSet.rows) {
          // shouldStop asked to stop mid-epoch
          reason = 'stopped';
          break;
        }
        const sums = { errorSum: run.errorSum, correct: run.correct };
        run.position = 0;
        run.errorSum = 0;
        run.correct = 0;
        const epoch = ++progress.epoch;
        const error = sums.errorSum / trainSet.rows;
        if (!Number.isFinite(error)) {
          reason = 'diverged';
          break;
        }
        const report: EpochReport = {
          epoch,
          error,
          learningRate: options.learningRate,
          elapsedMs: now() - progress.started,
          samplesPerSecond: trainSet.rows / Math.max((now() - epochStart) / 1000, 1e-9),
        };
        const accuracy = accuracyOf(mode, sums.correct, trainSet.rows, trainSet.outputs);
        if (accuracy !== undefined) report.accuracy = accuracy;
        if (validation) {
          const v = evaluateScaled(
            network,
            run.ws,
            validation.inputs,
            validation.targets,
            validation.rows,
          );
          report.validationError = v.error;
          if (v.accuracy !== undefined) report.validationAccuracy = v.accuracy;
        }
        yield { type: 'epoch', report };
        const previous = progress.last;
        progress.last = report;

        if (progress.best && report.validationError !== undefined) {
          if (report.validationError < progress.bestError) {
            progress.bestError = report.validationError;
            progress.bestReport = report;
            copyParameters(progress.best, network.params);
            progress.sinceBest = 0;
          } else if (++progress.sinceBest >= options.patience) {
            reason = 'early_stopped';
            break;
          }
        }
        progress.calm =
          previous && Math.abs(error - previous.error) < options.tolerance ? progress.calm + 1 : 0;
        if (options.tolerance > 0 && progress.calm >= options.patience) {
          reason = 'converged';
          break;
        }
      }
    } finally {
      run.replicas?.close();
    }

    const { best, bestReport } = progress;
    if (best && bestReport && reason !== 'diverged') copyParameters(network.params, best);
    const final = best && bestReport ? bestReport : progress.last;
    return {
      params: network.params,
      scaler: run.scaler,
      kernel: network.kernels.name,
      threads: run.replicas?.threads ?? 1,
      reason,
      message: describeStop(reason, progress.epoch, options),
      epochs: progress.epoch,
      ...(best && bestReport ? { bestEpoch: bestReport.epoch } : {}),
      ...(final ? { final } : {}),
      trainRows: trainSet.rows,
      validationRows: validation?.rows ?? 0,
    };
  }

  return {
    steps: steps(),
    checkpoint(): TrainCheckpoint {
      if (!progress.atBatchEnd) throw new Error('a checkpoint is taken only at a batch boundary');
      return {
        epoch: progress.epoch,
        position: run.position,
        errorSum: run.errorSum,
        correct: run.correct,
        order: run.order.slice(),
        random: run.random.state(),
        params: cloneParameters(network.params),
        optimizer: run.optimizer.state(),
        best: progress.best ? cloneParameters(progress.best) : null,
        bestError: progress.bestError,
        ...(progress.bestReport ? { bestReport: { ...progress.bestReport } } : {}),
        ...(progress.last ? { last: { ...progress.last } } : {}),
        sinceBest: progress.sinceBest,
        calm: progress.calm,
        elapsedMs: now() - progress.started,
      };
    },
  };
}

// Puts a checkpoint's state into a fresh run, after checking it belongs to this job's shapes.
function restore(
  run: Run,
  progress: {
    epoch: number;
    best: Parameters | null;
    bestError: number;
    bestReport: EpochReport | undefined;
    last: EpochReport | undefined;
    sinceBest: number;
    calm: number;
    started: number;
  },
  c: TrainCheckpoint,
  now: () => number,
): void {
  const { params } = run.network;
  const fits = (a: Float32Array[], b: Float32Array[]) =>
    a.length === b.length && a.every((x, k) => x.length === b[k]!.length);
  if (
    !fits(c.params.W, params.W) ||
    !fits(c.params.b, params.b) ||
    c.order.length !== run.order.length ||
    c.position > run.train.rows ||
    (c.best === null) !== (progress.best === null)
  )
    throw new Error('the checkpoint does not belong to this network and data');
  copyParameters(params, c.params);
  run.optimizer.restore(c.optimizer);
  run.order.set(c.order);
  run.random = createRandom(c.random);
  run.position = c.position;
  run.errorSum = c.errorSum;
  run.correct = c.correct;
  progress.epoch = c.epoch;
  if (progress.best && c.best) copyParameters(progress.best, c.best);
  progress.bestError = c.bestError;
  progress.bestReport = c.bestReport;
  progress.last = c.last;
  progress.sinceBest = c.sinceBest;
  progress.calm = c.calm;
  progress.started = now() - c.elapsedMs;
}

/** createTraining's steps, for callers that need no checkpoints. */
export function trainSteps(
  shape: NetworkShape,
  data: TrainingData,
  options: TrainOptions,
  hooks: Omit<TrainHooks, 'onEpoch'> = {},
): Generator<TrainStep, TrainResult> {
  return createTraining(shape, data, options, hooks).steps;
}

function describeStop(reason: StopReason, epoch: number, options: TrainOptions): string {
  switch (reason) {
    case 'max_epochs':
      return `reached the maximum of ${options.epochs} epochs`;
    case 'converged':
      return `converged at epoch ${epoch}: the error changed by less than ${options.tolerance} for ${options.patience} epochs`;
    case 'early_stopped':
      return `stopped early at epoch ${epoch}: no validation improvement for ${options.patience} epochs; best weights restored`;
    case 'stopped':
      return `stopped on request after ${epoch} epochs`;
    case 'diverged':
      return `diverged at epoch ${epoch}: the error is not a finite number; try a smaller learningRate`;
  }
}
