// Checkpoints of a run at a batch boundary: taking one (every buffer copied) and putting one into
// a fresh run of the same job, after checking it fits. Not when they are taken or where they are
// kept: the caller decides (workers/ stores them in Redis).

import type { EarlyStopping, EarlyStoppingState } from './early-stopping.js';
import { cloneParameters, copyParameters, type Parameters } from './network.js';
import type { OptimizerState } from './optimizers.js';
import { createRandom } from './random.js';
import type { Run } from './run-setup.js';

/**
 * Everything a run needs to continue exactly where it was, taken at a batch boundary: resumed
 * with the same data, options and kernels, it ends with bit-identical weights. With it, early
 * stopping's state: the best weights so far, their error and report, the latest report, and the
 * counts of the stopping rules.
 */
export interface TrainCheckpoint extends EarlyStoppingState {
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
  /** Training time so far, so that reports' elapsedMs carry on. */
  elapsedMs: number;
}

/** The state of `run` and its early stopping, every buffer copied (call at a batch boundary). */
export function captureCheckpoint(run: Run, stopping: EarlyStopping): TrainCheckpoint {
  return {
    epoch: run.epoch,
    position: run.position,
    errorSum: run.errorSum,
    correct: run.correct,
    order: run.order.slice(),
    random: run.random.state(),
    params: cloneParameters(run.network.params),
    optimizer: run.optimizer.state(),
    ...stopping.state(),
    elapsedMs: run.now() - run.started,
  };
}

/** Puts checkpoint `c` into a fresh run and its early stopping; throws if it is another job's. */
export function restoreCheckpoint(run: Run, stopping: EarlyStopping, c: TrainCheckpoint): void {
  const { params } = run.network;
  const fits = (a: Float32Array[], b: Float32Array[]) =>
    a.length === b.length && a.every((x, k) => x.length === b[k]!.length);
  if (
    !fits(c.params.W, params.W) ||
    !fits(c.params.b, params.b) ||
    c.order.length !== run.order.length ||
    c.position > run.train.rows ||
    !stopping.accepts(c)
  )
    throw new Error('the checkpoint does not belong to this network and data');
  copyParameters(params, c.params);
  run.optimizer.restore(c.optimizer);
  run.order.set(c.order);
  run.random = createRandom(c.random);
  run.epoch = c.epoch;
  run.position = c.position;
  run.errorSum = c.errorSum;
  run.correct = c.correct;
  stopping.restore(c);
  run.started = run.now() - c.elapsedMs;
}
