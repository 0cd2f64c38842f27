// A sweep's trial as it trains (issue 17): its objective read from an epoch's report or from its
// model's metrics, and, under early stopping, its rungs judged by ASHA against the lower trials'
// values recorded in the sweep (spec/asha.ts: ashaDecision on rungPeers' peers, which the sweep
// store reads in one step). Not the sweep's scheduling (sweeps.ts), nor the training loop that
// asks (train-streaming.ts).
import type { EpochReport } from '../engine/index.js';
import { ashaDecision, rungsOf } from '../spec/asha.js';
import type { JobSpecRecord, ModelMetrics, ObjectiveMetric } from '../spec/index.js';
import { fencedOut } from '../store/fence.js';
import type { Stores } from '../store/index.js';
import type { JobOutcome, TrainingTry } from './kind.js';
import type { RungJudge } from './train-streaming.js';

type TrialOf = NonNullable<JobSpecRecord['sweep']>;

/** The objective's value in an epoch's report; NaN when the report lacks it. */
export function reportValue(report: EpochReport, metric: ObjectiveMetric): number {
  return report[metric] ?? Number.NaN;
}

/**
 * A trial's final value of the objective: the folds' mean under cross-validation, else the
 * model's metric; null when the model has none (no validation rows, say).
 */
export function metricsValue(metrics: ModelMetrics | undefined, metric: ObjectiveMetric) {
  const folds = (metrics as { crossValidation?: { metrics?: Record<string, { mean?: number }> } })
    ?.crossValidation?.metrics?.[metric]?.mean;
  const value = folds ?? metrics?.[metric];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The rungs of a trial under early stopping; undefined for a job of no sweep, or none. */
export function rungJudgeOf(
  stores: Stores,
  trial: TrialOf | undefined,
  epochs: number,
): RungJudge | undefined {
  const asha = trial?.earlyStopping;
  if (!trial || !asha) return undefined;
  const rungs = rungsOf(asha.minEpochs, asha.reductionFactor, epochs);
  if (rungs.length === 0) return undefined;
  const { metric, goal } = trial.objective;
  const options = { reductionFactor: asha.reductionFactor, goal };
  return {
    epochs: new Set(rungs),
    value: (report) => reportValue(report, metric),
    async judge(epoch, report) {
      const value = reportValue(report, metric);
      const peers = await stores.sweeps.recordRung(trial.id, epoch, trial.index, value);
      if (peers === 'wait') return 'wait';
      if (peers === 'missing') return 'continue'; // the sweep was deleted: the job trains on
      return ashaDecision({ [epoch]: peers }, value, epoch, options);
    },
  };
}

/** A trial stopped at a rung: its job pruned (fenced), with no model. */
export async function pruneTrial(
  t: TrainingTry,
  at: { epoch: number; metric: number },
): Promise<JobOutcome> {
  const outcome = await t.lifecycle.prune(t.job, t.fence, at.epoch, at.metric);
  return { status: outcome === fencedOut ? 'fenced' : 'pruned' };
}
