// Hyperparameter sweeps' state (issue 17): one hash per sweep (status, the request, its
// objective, the best trial so far, the trials counted by status), one hash of its trials (each
// trial's params, job, status, epochs reached and metric, fields `<index>:<name>`), a hash job id
// → trial index, and per ASHA rung the values recorded there in arrival order. Sorted sets of
// sweep ids, all and by status, page newest first as jobs do. Every change of more than one
// field is one Lua step (sweep-scripts.ts). Every key is under the tenant's (keys.own).
// Not the scheduling of trials nor ASHA's rule (spec/asha.ts): the jobs layer calls this.
import type { Redis } from 'ioredis';
import { newId } from '../ids.js';
import { type Sweep, trialCount } from '../spec/index.js';
import { type Keys, pageOfIds } from './redis.js';
import {
  type NewTrial,
  type SweepEnd,
  type SweepListOptions,
  type SweepSummary,
  type SweepView,
  summaryFields,
  summaryOf,
  type TrialEnd,
  type TrialStatus,
  trialStatuses,
  trialsOf,
} from './sweep-record.js';
import {
  addTrialsScript,
  createScript,
  deleteScript,
  finishScript,
  recordRungScript,
  trialEndedScript,
  trialStartedScript,
} from './sweep-scripts.js';

export function createSweepStore(redis: Redis, keys: Keys) {
  const trialKeys = (id: string) => [keys.sweep(id), keys.sweepJobs(id), keys.sweepTrials(id)];
  return {
    /** Stores a new running sweep, no trials yet (addTrials); trialCount(request) to come. */
    async create(request: Sweep): Promise<SweepView> {
      const view: SweepView = {
        id: newId(),
        status: 'running',
        createdAt: new Date().toISOString(),
        objective: request.objective,
        trialCount: trialCount(request),
        counts: Object.fromEntries(trialStatuses.map((s) => [s, 0])) as SweepView['counts'],
        best: null,
        request,
        trials: [],
      };
      const fields = {
        id: view.id,
        status: view.status,
        createdAt: view.createdAt,
        request: JSON.stringify(request),
        metric: request.objective.metric,
        goal: request.objective.goal,
        trialCount: view.trialCount,
        ended: 0,
        ...Object.fromEntries(trialStatuses.map((s) => [`n:${s}`, 0])),
      };
      const result = await redis.eval(
        createScript,
        3,
        keys.sweep(view.id),
        keys.sweeps,
        `${keys.sweepsByStatus}running`,
        view.id,
        ...Object.entries(fields).flat(),
      );
      if (result !== 'ok') throw new Error(`sweep id ${view.id} already taken`);
      return view;
    },

    /**
     * Adds trials, queued, all or none. 'ok' (a trial already added with the same job stays as
     * it is), 'missing', 'index' (an index past trialCount), 'conflict' (an index or job id
     * another trial has), or the status of a sweep no longer running.
     */
    async addTrials(
      sweepId: string,
      trials: readonly NewTrial[],
    ): Promise<'ok' | 'missing' | 'index' | 'conflict' | SweepEnd> {
      if (trials.some((t) => !Number.isInteger(t.index) || t.index < 0)) return 'index';
      return (await redis.eval(
        addTrialsScript,
        3,
        keys.sweep(sweepId),
        keys.sweepTrials(sweepId),
        keys.sweepJobs(sweepId),
        ...trials.flatMap((t) => [t.index, JSON.stringify(t.params), t.jobId]),
      )) as 'ok' | 'missing' | 'index' | 'conflict' | SweepEnd;
    },

    /** A queued trial starts running: 'ok', 'missing', or the trial's status if not queued. */
    async trialStarted(sweepId: string, jobId: string): Promise<'ok' | 'missing' | TrialStatus> {
      return (await redis.eval(trialStartedScript, 3, ...trialKeys(sweepId), jobId)) as
        | 'ok'
        | 'missing'
        | TrialStatus;
    },

    /**
     * The values recorded at the rung before this trial's, this trial's appended after them, in
     * one step (spec/asha.ts: decide with ashaDecision on what this returns). Recording the same
     * rung again for the job returns the same values and appends nothing. 'missing' when the
     * sweep or the trial is not there.
     */
    async recordRung(
      sweepId: string,
      rungEpoch: number,
      jobId: string,
      value: number,
    ): Promise<number[] | 'missing'> {
      const prior = (await redis.eval(
        recordRungScript,
        6,
        ...trialKeys(sweepId),
        keys.sweepRungs(sweepId),
        keys.sweepRung(sweepId, rungEpoch),
        keys.sweepRungValues(sweepId, rungEpoch),
        rungEpoch,
        jobId,
        String(value),
      )) as string[] | null;
      return prior ? prior.map(Number) : 'missing';
    },

    /**
     * Ends a trial (once: a trial already ended stays as it is) with its metric and epochs, in
     * the counts and, if it succeeded with a metric better than the best's, as the best; and
     * says whether every one of the sweep's trials has now ended. 'missing' when the sweep or
     * the trial is not there.
     */
    async trialEnded(
      sweepId: string,
      jobId: string,
      end: { status: TrialEnd; metric?: number | null | undefined; epochs?: number | undefined },
    ): Promise<{ allEnded: boolean } | 'missing'> {
      const metric = end.metric != null && Number.isFinite(end.metric) ? String(end.metric) : '';
      const result = (await redis.eval(
        trialEndedScript,
        3,
        ...trialKeys(sweepId),
        jobId,
        end.status,
        metric,
        end.epochs === undefined ? '' : end.epochs,
      )) as 'missing' | [string, number];
      return result === 'missing' ? result : { allEnded: result[1] === 1 };
    },

    /** A running sweep ends: 'ok', 'missing', or the status it already had. */
    async finish(sweepId: string, status: SweepEnd): Promise<'ok' | 'missing' | SweepEnd> {
      return (await redis.eval(
        finishScript,
        1,
        keys.sweep(sweepId),
        sweepId,
        keys.sweepsByStatus,
        status,
        new Date().toISOString(),
      )) as 'ok' | 'missing' | SweepEnd;
    },

    /** The whole sweep, its trials sorted by index; null when there is none. */
    async get(sweepId: string): Promise<SweepView | null> {
      const replies =
        (await redis
          .multi()
          .hgetall(keys.sweep(sweepId))
          .hgetall(keys.sweepTrials(sweepId))
          .exec()) ?? [];
      const [hash, trials] = replies.map(([error, reply]) => {
        if (error) throw error;
        return reply as Record<string, string>;
      });
      if (!hash?.status) return null;
      return {
        ...summaryOf(hash),
        request: JSON.parse(hash.request!) as Sweep,
        trials: trialsOf(trials ?? {}),
      };
    },

    /** Newest first; `cursor` is the last id of the previous page. */
    async list({
      status,
      limit,
      cursor,
    }: SweepListOptions): Promise<{ sweeps: SweepSummary[]; nextCursor: string | null }> {
      const set = status ? `${keys.sweepsByStatus}${status}` : keys.sweeps;
      const { page, nextCursor } = await pageOfIds(redis, set, limit, cursor);
      const pipeline = redis.pipeline();
      for (const id of page) pipeline.hmget(keys.sweep(id), ...summaryFields);
      const replies = (await pipeline.exec()) ?? [];
      const sweeps = replies
        .map(([, values]) =>
          Object.fromEntries(
            summaryFields.flatMap((f, i) => {
              const v = (values as (string | null)[])[i];
              return v == null ? [] : [[f, v]];
            }),
          ),
        )
        .filter((h) => h.status)
        .map(summaryOf);
      return { sweeps, nextCursor };
    },

    /**
     * Deletes an ended sweep and every key it has (not its trials' jobs or models): 'ok',
     * 'missing', or 'running'.
     */
    async delete(sweepId: string): Promise<'ok' | 'missing' | 'running'> {
      return (await redis.eval(
        deleteScript,
        5,
        keys.sweep(sweepId),
        keys.sweepTrials(sweepId),
        keys.sweepJobs(sweepId),
        keys.sweepRungs(sweepId),
        keys.sweeps,
        sweepId,
        keys.sweepsByStatus,
        keys.sweepRung(sweepId, ''),
      )) as 'ok' | 'missing' | 'running';
    },
  };
}

export type SweepStore = ReturnType<typeof createSweepStore>;
