// When training ends before its last epoch, judged once per epoch: early stopping on the validation
// error (keeping a copy of the best weights, restored at the end) and the convergence rule on the
// training error. Not the loop that asks (train.ts), nor how its state is saved (checkpoint.ts).

import { cloneParameters, copyParameters, type Parameters } from './network.js';
import type { EpochReport, StopReason, TrainOptions } from './train-types.js';

/** What early stopping has seen so far; a checkpoint carries it (see TrainCheckpoint). */
export interface EarlyStoppingState {
  /** With validation: the best weights so far, their error and report. */
  best: Parameters | null;
  bestError: number;
  bestReport?: EpochReport;
  /** The latest epoch's report. */
  last?: EpochReport;
  /** Epochs since the validation error last improved. */
  sinceBest: number;
  /** Epochs in a row whose training error changed by less than the tolerance. */
  calm: number;
}

/** The options early stopping reads. */
export type EarlyStoppingRule = Pick<TrainOptions, 'patience' | 'tolerance'>;

/**
 * The two rules, sharing `patience`: with validation, stop after `patience` epochs without a lower
 * validation error ('early_stopped'); with `tolerance` > 0, stop once the training error has
 * changed by less than `tolerance` for `patience` epochs in a row ('converged').
 */
export class EarlyStopping {
  private readonly rule: EarlyStoppingRule;
  // the fields of EarlyStoppingState; best is a copy of the weights, null without validation
  private readonly best: Parameters | null;
  private bestError = Number.POSITIVE_INFINITY;
  private bestReport: EpochReport | undefined;
  private last: EpochReport | undefined;
  private sinceBest = 0;
  private calm = 0;

  /** `params`: the network's weights with validation (copied as the best so far), else null. */
  constructor(rule: EarlyStoppingRule, params: Parameters | null) {
    this.rule = rule;
    this.best = params ? cloneParameters(params) : null;
  }

  /**
   * Judges an epoch's report, keeping a copy of `params` when its validation error is the best so
   * far; returns why training should stop, or null to go on.
   */
  observe(report: EpochReport, params: Parameters): 'early_stopped' | 'converged' | null {
    const previous = this.last;
    this.last = report;
    if (this.best && report.validationError !== undefined) {
      if (report.validationError < this.bestError) {
        this.bestError = report.validationError;
        this.bestReport = report;
        copyParameters(this.best, params);
        this.sinceBest = 0;
      } else if (++this.sinceBest >= this.rule.patience) {
        return 'early_stopped';
      }
    }
    const { tolerance, patience } = this.rule;
    this.calm = previous && Math.abs(report.error - previous.error) < tolerance ? this.calm + 1 : 0;
    return tolerance > 0 && this.calm >= patience ? 'converged' : null;
  }

  /** With validation, the report of the best epoch (whose weights `finish` restores). */
  get kept(): EpochReport | undefined {
    return this.best ? this.bestReport : undefined;
  }

  /**
   * At the end of training: puts the best weights into `params` (unless training diverged, when
   * they are left as they are); returns the report of the weights returned.
   */
  finish(params: Parameters, reason: StopReason): EpochReport | undefined {
    if (this.best && this.kept && reason !== 'diverged') copyParameters(params, this.best);
    return this.kept ?? this.last;
  }

  /** Its state, every buffer and report copied. */
  state(): EarlyStoppingState {
    return {
      best: this.best ? cloneParameters(this.best) : null,
      bestError: this.bestError,
      ...(this.bestReport ? { bestReport: { ...this.bestReport } } : {}),
      ...(this.last ? { last: { ...this.last } } : {}),
      sinceBest: this.sinceBest,
      calm: this.calm,
    };
  }

  /** Whether `state` came from early stopping like this one (with validation or without). */
  accepts(state: EarlyStoppingState): boolean {
    return (state.best === null) === (this.best === null);
  }

  /** Continues from `state` (which it accepts). */
  restore(state: EarlyStoppingState): void {
    if (this.best && state.best) copyParameters(this.best, state.best);
    this.bestError = state.bestError;
    this.bestReport = state.bestReport;
    this.last = state.last;
    this.sinceBest = state.sinceBest;
    this.calm = state.calm;
  }
}
