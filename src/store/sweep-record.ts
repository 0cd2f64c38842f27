// A sweep's record as the sweep store (sweeps.ts) keeps it in Redis and gives it back: the
// statuses, the views (whole, and the list's summary) and how they are read from the hashes.
import {
  type JobSpec,
  type ObjectiveMetric,
  type Sweep,
  type TrialParams,
  type TrialStatus,
  trialStatuses,
} from '../spec/index.js';

export const sweepStatuses = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type SweepStatus = (typeof sweepStatuses)[number];
export type SweepEnd = Exclude<SweepStatus, 'running'>;
export { type TrialStatus, trialStatuses };
export type TrialEnd = Exclude<TrialStatus, 'pending' | 'queued' | 'running'>;

/** A trial as the sweep plans it: its parameters, its job spec, and the id its job will have. */
export interface NewTrial {
  params: TrialParams;
  spec: JobSpec;
  jobId: string;
}

export interface SweepTrial {
  index: number;
  params: TrialParams;
  /** Its job's id: the job exists once the trial is queued (pending: not yet). */
  jobId: string;
  /** pending: waiting for one of the sweep's `parallel` places; then its job's status. */
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
  /** The trial's own model. */
  modelId: string | null;
  metric: number;
  params: TrialParams;
}

/** The best trial's model as the sweep registered it under its `model` name (a new version). */
export interface SweepModel {
  id: string;
  name: string;
  version: number;
  alias?: string;
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
  /** Once the sweep has succeeded with a `model` name: the best trial's model under it. */
  model?: SweepModel;
  /** Why a sweep failed (every trial failed, or its best could not be registered). */
  error?: string;
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
  'bestModel',
  'model',
  'error',
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
          modelId: hash.bestModel || null,
          metric: Number(hash.bestMetric),
          params: JSON.parse(hash.bestParams!) as TrialParams,
        }
      : null,
    ...(hash.model ? { model: JSON.parse(hash.model) as SweepModel } : {}),
    ...(hash.error ? { error: hash.error } : {}),
  };
}

/** The trials hash's `<index>:<name>` fields as trials, by index. */
export function trialsOf(hash: Record<string, string>): SweepTrial[] {
  const byIndex = new Map<number, Record<string, string>>();
  for (const [field, value] of Object.entries(hash)) {
    if (field.endsWith(':spec')) continue; // a trial's spec is read on its own (trialSpec)
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

const noTrials = Object.fromEntries(trialStatuses.map((s) => [s, 0])) as SweepView['counts'];

/** A new running sweep, every trial pending, as create returns it. */
export function newSweepView(id: string, request: Sweep, trials: readonly NewTrial[]): SweepView {
  return {
    id,
    status: 'running',
    createdAt: new Date().toISOString(),
    objective: request.objective,
    trialCount: trials.length,
    counts: { ...noTrials, pending: trials.length },
    best: null,
    request,
    trials: trials.map(({ spec: _, ...t }, index) => ({
      ...t,
      index,
      status: 'pending' as const,
      epochs: 0,
      metric: null,
    })),
  };
}

/** The sweep hash's fields for a new sweep (its trials go in their own hash). */
export function sweepFields(view: SweepView, request: Sweep) {
  return {
    id: view.id,
    status: view.status,
    createdAt: view.createdAt,
    request: JSON.stringify(request),
    metric: request.objective.metric,
    goal: request.objective.goal,
    trialCount: view.trialCount,
    parallel: request.parallel,
    ended: 0,
    ...Object.fromEntries(trialStatuses.map((s) => [`n:${s}`, 0])),
  };
}
