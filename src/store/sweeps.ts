// Hyperparameter sweeps' state (issue 17): one hash per sweep (status, the request, its
// objective, the best trial so far, the trials counted by status), one hash of its trials (each
// trial's params, job, status, epochs reached and metric, fields `<index>:<name>`), a hash job id
// → trial index, and per ASHA rung the values recorded there in arrival order. Sorted sets of
// sweep ids, all and by status, page newest first as jobs do. Every change of more than one
// field is one Lua step (sweep-scripts.ts). Every key is under the tenant's (keys.own).
// Not the scheduling of trials nor ASHA's rule (spec/asha.ts): the jobs layer calls this.
import type { Redis } from 'ioredis';
import { newId } from '../ids.js';
import type { JobSpec, Sweep } from '../spec/index.js';
import { type Keys, pageOfIds } from './redis.js';
import {
  type NewTrial,
  newSweepView,
  type SweepEnd,
  type SweepListOptions,
  type SweepModel,
  type SweepSummary,
  type SweepView,
  summaryFields,
  summaryOf,
  sweepFields,
  type TrialEnd,
  type TrialStatus,
  trialsOf,
} from './sweep-record.js';
import {
  createScript,
  deleteScript,
  finishScript,
  launchedScript,
  recordRungScript,
  trialEndedScript,
  trialStartedScript,
  windowScript,
} from './sweep-scripts.js';

export function createSweepStore(redis: Redis, keys: Keys) {
  const trialKeys = (id: string) => [keys.sweep(id), keys.sweepJobs(id), keys.sweepTrials(id)];
  return {
    /**
     * Stores a new running sweep with all its trials pending, trial i being `trials[i]` (its
     * job is made when it may start: window).
     */
    async create(request: Sweep, trials: readonly NewTrial[], id = newId()): Promise<SweepView> {
      const view = newSweepView(id, request, trials);
      const fields = sweepFields(view, request);
      const pairs = Object.entries(fields).flat();
      const result = await redis.eval(
        createScript,
        5,
        keys.sweep(view.id),
        keys.sweeps,
        `${keys.sweepsByStatus}running`,
        keys.sweepTrials(view.id),
        keys.sweepJobs(view.id),
        view.id,
        pairs.length / 2,
        ...pairs,
        ...trials.flatMap((t) => [t.jobId, JSON.stringify(t.params), JSON.stringify(t.spec)]),
      );
      if (result !== 'ok') throw new Error(`sweep id ${view.id} already taken`);
      return view;
    },

    /**
     * The pending trials that may start now (the first `parallel` trials not ended, by index,
     * hold the places), with their specs; none once the sweep has ended.
     */
    async window(sweepId: string): Promise<{ index: number; jobId: string; spec: JobSpec }[]> {
      const flat = (await redis.eval(
        windowScript,
        2,
        keys.sweep(sweepId),
        keys.sweepTrials(sweepId),
      )) as string[];
      const out: { index: number; jobId: string; spec: JobSpec }[] = [];
      for (let i = 0; i < flat.length; i += 3)
        out.push({ index: Number(flat[i]), jobId: flat[i + 1]!, spec: JSON.parse(flat[i + 2]!) });
      return out;
    },

    /** A pending trial's job is queued: 'ok', 'missing', or the trial's status if not pending. */
    async launched(sweepId: string, index: number): Promise<'ok' | 'missing' | TrialStatus> {
      return (await redis.eval(
        launchedScript,
        2,
        keys.sweep(sweepId),
        keys.sweepTrials(sweepId),
        index,
      )) as 'ok' | 'missing' | TrialStatus;
    },

    /** A queued trial starts running: 'ok', 'missing', or the trial's status if not queued. */
    async trialStarted(sweepId: string, jobId: string): Promise<'ok' | 'missing' | TrialStatus> {
      return (await redis.eval(trialStartedScript, 3, ...trialKeys(sweepId), jobId)) as
        | 'ok'
        | 'missing'
        | TrialStatus;
    },

    /**
     * Records trial `index`'s value at the rung (once: a resumed try's is the same) and reads
     * its peers there, as spec/asha.ts's rungPeers: the values of the lower trials that reached
     * the rung, in index order, or 'wait' while one is on its way. 'missing' when the sweep or
     * the trial is not there; no peers once the sweep has ended.
     */
    async recordRung(
      sweepId: string,
      rungEpoch: number,
      index: number,
      value: number,
    ): Promise<number[] | 'wait' | 'missing'> {
      const answer = (await redis.eval(
        recordRungScript,
        4,
        keys.sweep(sweepId),
        keys.sweepTrials(sweepId),
        keys.sweepRungs(sweepId),
        keys.sweepRung(sweepId, rungEpoch),
        rungEpoch,
        index,
        String(value),
      )) as string[] | null;
      if (!answer) return 'missing';
      return answer[0] === 'wait' ? 'wait' : answer.slice(1).map(Number);
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
      end: {
        status: TrialEnd;
        metric?: number | null | undefined;
        epochs?: number | undefined;
        modelId?: string | undefined;
      },
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
        end.modelId ?? '',
      )) as 'missing' | [string, number];
      return result === 'missing' ? result : { allEnded: result[1] === 1 };
    },

    /**
     * A running sweep ends (cancelled: its pending trials too): the job ids of its trials still
     * queued or running (for the caller to stop), 'missing', or the status it already had.
     */
    async finish(
      sweepId: string,
      status: SweepEnd,
      more: { model?: SweepModel; error?: string } = {},
    ): Promise<{ open: string[] } | 'missing' | SweepEnd> {
      const answer = (await redis.eval(
        finishScript,
        3,
        keys.sweep(sweepId),
        keys.sweepTrials(sweepId),
        keys.sweepRungs(sweepId),
        sweepId,
        keys.sweepsByStatus,
        status,
        new Date().toISOString(),
        keys.sweepRung(sweepId, ''),
        more.model ? JSON.stringify(more.model) : '',
        more.error ?? '',
      )) as string[] | 'missing' | SweepEnd;
      return Array.isArray(answer) ? { open: answer.slice(1) } : answer;
    },

    /**
     * Takes the right to finish the sweep for `seconds` (one process registers its best model);
     * false when another process holds it. `release` gives it back if still held.
     */
    async claimFinish(sweepId: string, seconds: number) {
      const key = `${keys.sweep(sweepId)}:finishing`;
      const token = newId();
      const held = (await redis.set(key, token, 'EX', seconds, 'NX')) === 'OK';
      return {
        held,
        release: async () => {
          if ((await redis.get(key)) === token) await redis.del(key);
        },
      };
    },

    /** The id the sweep's best model is registered under: the first one asked for stays. */
    async registeredModelId(sweepId: string): Promise<string> {
      await redis.hsetnx(keys.sweep(sweepId), 'registering', newId());
      return (await redis.hget(keys.sweep(sweepId), 'registering'))!;
    },

    /** A trial's job spec, as the sweep planned it; null when there is none. */
    async trialSpec(sweepId: string, index: number): Promise<JobSpec | null> {
      const json = await redis.hget(keys.sweepTrials(sweepId), `${index}:spec`);
      return json ? (JSON.parse(json) as JobSpec) : null;
    },

    /** The trial a job is, or null. */
    async trialOf(sweepId: string, jobId: string): Promise<number | null> {
      const index = await redis.hget(keys.sweepJobs(sweepId), jobId);
      return index === null ? null : Number(index);
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
