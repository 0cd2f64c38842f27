// Training by backpropagation: the notes' gradient-descent loop (full batch by default) and its
// mini-batch variant, run epoch after epoch until a stopping rule, a stop request or the last
// epoch. Reports through callbacks; stops when asked. Set-up, the epoch's pass, the stopping rules
// and checkpoints live beside it (run-setup.ts, epoch.ts, early-stopping.ts, checkpoint.ts).

import { captureCheckpoint, restoreCheckpoint, type TrainCheckpoint } from './checkpoint.js';
import { EarlyStopping } from './early-stopping.js';
import { closeEpoch, runEpoch } from './epoch.js';
import type { NetworkShape } from './network.js';
import { createRun, type Run } from './run-setup.js';
import type {
  StopReason,
  TrainHooks,
  TrainingData,
  TrainOptions,
  TrainResult,
  TrainStep,
} from './train-types.js';

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
  const stopping = new EarlyStopping(options, run.validation ? run.network.params : null);
  if (resume) restoreCheckpoint(run, stopping, resume);
  let atBatchEnd = false; // true while the steps are suspended after a batch's update

  function* steps(): Generator<TrainStep, TrainResult> {
    let reason: StopReason = 'max_epochs';
    try {
      while (run.epoch < options.epochs) {
        const epochStart = run.now();
        for (const step of runEpoch(run) as Iterable<TrainStep>) {
          atBatchEnd = step.type === 'chunk' && step.batchEnd;
          yield step;
          atBatchEnd = false;
        }
        if (run.position < run.train.rows) {
          reason = 'stopped'; // shouldStop asked to stop mid-epoch
          break;
        }
        const report = closeEpoch(run, epochStart);
        if (!report) {
          reason = 'diverged';
          break;
        }
        yield { type: 'epoch', report };
        const stop = stopping.observe(report, run.network.params);
        if (stop) {
          reason = stop;
          break;
        }
      }
    } finally {
      run.replicas?.close();
    }
    return resultOf(run, stopping, reason);
  }

  return {
    steps: steps(),
    checkpoint(): TrainCheckpoint {
      if (!atBatchEnd) throw new Error('a checkpoint is taken only at a batch boundary');
      return captureCheckpoint(run, stopping);
    },
  };
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

// The result of a run that ended for `reason`, with the best weights restored (see EarlyStopping).
function resultOf(run: Run, stopping: EarlyStopping, reason: StopReason): TrainResult {
  const { network, options } = run;
  const final = stopping.finish(network.params, reason);
  const best = stopping.kept;
  return {
    params: network.params,
    scaler: run.scaler,
    kernel: network.kernels.name,
    threads: run.replicas?.threads ?? 1,
    reason,
    message: describeStop(reason, run.epoch, options),
    epochs: run.epoch,
    ...(best ? { bestEpoch: best.epoch } : {}),
    ...(final ? { final } : {}),
    trainRows: run.train.rows,
    validationRows: run.validation?.rows ?? 0,
  };
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
