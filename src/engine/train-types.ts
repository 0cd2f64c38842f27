// What a training run takes and gives back: its options (with their defaults), data and hooks,
// the per-epoch report, the result, and the steps of the step-wise trainer. Declarations only:
// the loop that uses them is train.ts.

import type { KernelName } from './kernels.js';
import type { Parameters } from './network.js';
import type { OptimizerOptions } from './optimizers.js';
import type { ThreadTeam } from './parallel.js';
import type { Scaler } from './scaler.js';

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
  /**
   * Warm start: the run begins from these parameters (copied, shapes checked) instead of the
   * seeded initialisation, and standardises with this scaler (when options.standardize) instead
   * of one fitted on the training rows. The seed still drives shuffles and the validation split.
   */
  start?: TrainStart;
  /**
   * Which rows of the data validate, in place of options.validationSplit (a cross-validation
   * fold's rows); the others train, in order. Rows listed twice or out of range are refused.
   */
  validationRows?: Uint32Array;
}

/** Where a warm-started run begins: a trained model's parameters and scaler. */
export interface TrainStart {
  params: Parameters;
  scaler?: Scaler | null;
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
