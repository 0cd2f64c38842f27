// What a local sweep reports, in the shape of the server's GET /v1/sweeps/:id (the fields a run
// without a server has: no ids, no dates): the trials' statuses, each trial's metric and epochs,
// the counts and the best. Built from the scheduler's state (sweep-local.ts); no I/O.
import {
  type ModelDocument,
  type Sweep,
  type TrialStatus as SweepTrialStatus,
  trialStatuses as sweepTrialStatuses,
  type TrialParams,
} from '../spec/index.js';

/** A local trial's status: the server's, but never pending (every trial waits queued). */
export type TrialStatus = Exclude<SweepTrialStatus, 'pending'>;
export const trialStatuses = sweepTrialStatuses.filter((s): s is TrialStatus => s !== 'pending');

/** A trial as GET /v1/sweeps/:id shows it. */
export interface SweepTrialView {
  index: number;
  params: TrialParams;
  status: TrialStatus;
  /** The objective at its end (a pruned trial's: at its rung); null running, failed, not finite. */
  metric: number | null;
  /** The last epoch it reached. */
  epochs: number;
}

/** The sweep in the shape of the server's GET /v1/sweeps/:id (the fields a local run has). */
export interface SweepResultView {
  status: 'running' | 'succeeded' | 'failed';
  objective: Sweep['objective'];
  trialCount: number;
  counts: Record<TrialStatus, number>;
  trials: SweepTrialView[];
  best: { index: number; params: TrialParams; metric: number } | null;
}

export const hasEnded = (t: SweepTrialView) => t.status !== 'queued' && t.status !== 'running';

/** The view of `trials` (any state with a trial's fields), `best` the best trial's index. */
export function viewOf(
  objective: Sweep['objective'],
  trials: readonly SweepTrialView[],
  best: { index: number; metric: number } | null,
): SweepResultView {
  const counts = Object.fromEntries(trialStatuses.map((s) => [s, 0])) as Record<
    TrialStatus,
    number
  >;
  for (const t of trials) counts[t.status]++;
  const over = trials.every(hasEnded);
  return {
    status: !over ? 'running' : best ? 'succeeded' : 'failed',
    objective,
    trialCount: trials.length,
    counts,
    trials: trials.map(({ index, params, status, metric, epochs }) => ({
      index,
      params,
      status,
      metric,
      epochs,
    })),
    best: best
      ? { index: best.index, params: trials[best.index]!.params, metric: best.metric }
      : null,
  };
}

/**
 * Whether a succeeded trial's metric `m` (trial `index`) beats the best so far: better by the
 * goal, or equal and of a lower index (the server's best: ties to the first trial).
 */
export function beats(
  goal: Sweep['objective']['goal'],
  m: number,
  index: number,
  best: { index: number; metric: number } | null,
): boolean {
  if (best === null) return true;
  if (m === best.metric) return index < best.index;
  return goal === 'minimize' ? m < best.metric : m > best.metric;
}

/** A model's objective: the cross-validation mean when it has one, else its metric; null if none. */
export function metricOf(doc: ModelDocument, metric: Sweep['objective']['metric']): number | null {
  const cv = (doc.metrics as { crossValidation?: { metrics?: Record<string, { mean?: number }> } })
    .crossValidation;
  const value = cv?.metrics?.[metric]?.mean ?? doc.metrics[metric];
  return value !== undefined && Number.isFinite(value) ? value : null;
}
