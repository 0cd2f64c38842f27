// Training by backpropagation: the notes' gradient-descent loop (full batch by default) and its
// mini-batch variant, run epoch after epoch until a stopping rule, a stop request or the last
// epoch, with checkpoints at batch boundaries. Reports through callbacks; stops when asked.
// Set-up and the epoch's pass live beside it (run-setup.ts, epoch.ts).

import { closeEpoch, runEpoch } from './epoch.js';
import { cloneParameters, copyParameters, type NetworkShape, type Parameters } from './network.js';
import type { OptimizerState } from './optimizers.js';
import { createRandom } from './random.js';
import { createRun, type Run } from './run-setup.js';
import type {
  EpochReport,
  StopReason,
  TrainHooks,
  TrainingData,
  TrainOptions,
  TrainResult,
  TrainStep,
} from './train-types.js';

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
  const run = createRun(shape, data, options, hooks);
  const { network, train: trainSet, validation } = run;
  const progress = {
    best: validation ? cloneParameters(network.params) : null,
    bestError: Number.POSITIVE_INFINITY,
    bestReport: undefined as EpochReport | undefined,
    last: undefined as EpochReport | undefined,
    sinceBest: 0,
    calm: 0,
    /** True while the steps are suspended after a batch's update. */
    atBatchEnd: false,
  };
  if (resume) restore(run, progress, resume);

  function* steps(): Generator<TrainStep, TrainResult> {
    let reason: StopReason = 'max_epochs';
    try {
      while (run.epoch < options.epochs) {
        const epochStart = run.now();
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
        const report = closeEpoch(run, epochStart);
        if (!report) {
          reason = 'diverged';
          break;
        }
        yield { type: 'epoch', report };
        const previous = progress.last;
        progress.last = report;
        const { error } = report;

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
      message: describeStop(reason, run.epoch, options),
      epochs: run.epoch,
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
        epoch: run.epoch,
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
        elapsedMs: run.now() - run.started,
      };
    },
  };
}

// Puts a checkpoint's state into a fresh run, after checking it belongs to this job's shapes.
function restore(
  run: Run,
  progress: {
    best: Parameters | null;
    bestError: number;
    bestReport: EpochReport | undefined;
    last: EpochReport | undefined;
    sinceBest: number;
    calm: number;
  },
  c: TrainCheckpoint,
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
  run.epoch = c.epoch;
  if (progress.best && c.best) copyParameters(progress.best, c.best);
  progress.bestError = c.bestError;
  progress.bestReport = c.bestReport;
  progress.last = c.last;
  progress.sinceBest = c.sinceBest;
  progress.calm = c.calm;
  run.started = run.now() - c.elapsedMs;
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
