// A sweep's record as the sweep store (sweeps.ts) keeps it in Redis and gives it back: the
// statuses, the views (whole, and the list's summary) and how they are read from the hashes.
import type { ObjectiveMetric, Sweep, TrialParams } from '../spec/index.js';

export const sweepStatuses = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type SweepStatus = (typeof sweepStatuses)[number];
export type SweepEnd = Exclude<SweepStatus, 'running'>;
export const trialStatuses = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'pruned',
  'cancelled',
] as const;
export type TrialStatus = (typeof trialStatuses)[number];
export type TrialEnd = Exclude<TrialStatus, 'queued' | 'running'>;

export interface NewTrial {
  index: number;
  params: TrialParams;
  jobId: string;
}

export interface SweepTrial extends NewTrial {
  status: TrialStatus;
  /** The last epoch the trial reached (a rung recorded, or its end). */
  epochs: number;
  /** Its objective's value at its end; null while it runs, or for none (failed, not finite). */
  metric: number | null;
}

/** The succeeded trial with the best metric by the sweep's goal (the first of equals). */
export interface SweepBest {
  index: number;
  jobId: string;
  metric: number;
  params: TrialParams;
}

/** What the sweep list shows of each sweep. */
export interface SweepSummary {
  id: string;
  status: SweepStatus;
  createdAt: string;
  finishedAt?: string;
  objective: { metric: ObjectiveMetric; goal: 'minimize' | 'maximize' };
  /** How many trials the sweep runs (trialCount of its request). */
  trialCount: number;
  counts: Record<TrialStatus, number>;
  best: SweepBest | null;
}

/** A whole sweep: its request and its trials sorted by index. */
export interface SweepView extends SweepSummary {
  request: Sweep;
  trials: SweepTrial[];
}

export interface SweepListOptions {
  status?: SweepStatus | undefined;
  limit: number;
  /** The last id of the previous page. */
  cursor?: string | undefined;
}

export const summaryFields = [
  'id',
  'status',
  'createdAt',
  'finishedAt',
  'metric',
  'goal',
  'trialCount',
  'bestJob',
  'bestIndex',
  'bestMetric',
  'bestParams',
  ...trialStatuses.map((s) => `n:${s}`),
] as const;

/** The sweep hash's fields as the list's summary. */
export function summaryOf(hash: Record<string, string>): SweepSummary {
  return {
    id: hash.id!,
    status: hash.status as SweepStatus,
    createdAt: hash.createdAt!,
    ...(hash.finishedAt ? { finishedAt: hash.finishedAt } : {}),
    objective: {
      metric: hash.metric as ObjectiveMetric,
      goal: hash.goal as 'minimize' | 'maximize',
    },
    trialCount: Number(hash.trialCount),
    counts: Object.fromEntries(
      trialStatuses.map((s) => [s, Number(hash[`n:${s}`] ?? 0)]),
    ) as SweepSummary['counts'],
    best: hash.bestJob
      ? {
          index: Number(hash.bestIndex),
          jobId: hash.bestJob,
          metric: Number(hash.bestMetric),
          params: JSON.parse(hash.bestParams!) as TrialParams,
        }
      : null,
  };
}

/** The trials hash's `<index>:<name>` fields as trials, by index. */
export function trialsOf(hash: Record<string, string>): SweepTrial[] {
  const byIndex = new Map<number, Record<string, string>>();
  for (const [field, value] of Object.entries(hash)) {
    const colon = field.indexOf(':');
    const index = Number(field.slice(0, colon));
    const fields = byIndex.get(index) ?? {};
    fields[field.slice(colon + 1)] = value;
    byIndex.set(index, fields);
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, t]) => ({
      index,
      params: JSON.parse(t.params!) as TrialParams,
      jobId: t.job!,
      status: t.status as TrialStatus,
      epochs: Number(t.epochs ?? 0),
      metric: t.metric === undefined ? null : Number(t.metric),
    }));
}
