// Every state change of a job, each written once: the move with its events (one Lua step,
// store/jobs.ts), then its webhook, told only when the move happened. The API, the workers and
// cancellation all move jobs through these and never build an event or a webhook by hand.
// Not what a kind of job does while it runs (kind.ts, training.ts), nor the checks before a
// job exists (submit.ts).
import type {
  DoneEvent,
  EpochEvent,
  JobError,
  JobEvent,
  JobPayload,
  JobRecord,
  JobStatus,
  ModelMetrics,
} from '../spec/index.js';
import { finalEventTypes, finalStatuses } from '../spec/index.js';
import type { Fence, Stores } from '../store/index.js';
import type { Notify } from '../webhooks.js';

/** A job as its moves need it: its id, tenant, and spec (whose webhook is told). */
export type JobRef = Pick<JobPayload, 'jobId' | 'tenant' | 'spec'>;

/** 'ok', or why not: the status that blocked it, 'missing', 'full' (capped), 'fenced'. */
export type MoveOutcome = 'ok' | 'missing' | 'full' | 'fenced' | JobStatus;

const now = () => new Date().toISOString();

const cancelEvents = (epoch: number, at: string, rows?: number): JobEvent[] => [
  { type: 'status', status: 'cancelled', at },
  { type: 'cancelled', epoch, ...(rows !== undefined ? { rows } : {}), at },
];

export function createLifecycle(stores: Stores, notify: Notify) {
  async function move(
    job: JobRef,
    from: readonly JobStatus[],
    to: JobStatus,
    fields: Partial<JobRecord>,
    events: JobEvent[],
    { cap = 0, fence = '' }: { cap?: number; fence?: Fence } = {},
  ): Promise<MoveOutcome> {
    const outcome = await stores.jobs.transition(job.jobId, from, to, fields, events, cap, fence);
    if (outcome === 'ok') await notify(job, events);
    return outcome;
  }

  return {
    /**
     * Records a new queued job with its `status` event ('exists', 'full' past `cap` queued), has
     * `enqueue` put it on the queue (which takes the record back and throws if it cannot), and
     * only then tells its webhook.
     */
    async create(
      record: JobRecord,
      tenant: string,
      cap: number,
      enqueue: () => Promise<void>,
    ): Promise<'ok' | 'exists' | 'full'> {
      const queued: JobEvent = { type: 'status', status: 'queued', at: record.createdAt };
      const created = await stores.jobs.create(record, queued, cap);
      if (created !== 'ok') return created;
      await enqueue();
      await notify({ jobId: record.id, tenant, spec: record.spec }, [queued]);
      return 'ok';
    },

    /** queued → running, unless the tenant has `cap` jobs running already ('full'). */
    start(job: JobRef, cap: number): Promise<MoveOutcome> {
      const at = now();
      return move(
        job,
        ['queued'],
        'running',
        { startedAt: at },
        [{ type: 'status', status: 'running', at }],
        { cap },
      );
    },

    /**
     * running → succeeded, with its model (none for a cross-validation fold, whose model is not
     * kept); the move also drops the checkpoint. `more`: what else the `done` event says (the
     * model's name and version; a reproduction's outcome, which the record keeps too).
     */
    succeed(
      job: JobRef,
      fence: Fence,
      modelId: string | undefined,
      metrics: ModelMetrics,
      more: Omit<DoneEvent, 'type' | 'modelId' | 'metrics' | 'at'> = {},
    ) {
      const at = now();
      return move(
        job,
        ['running'],
        'succeeded',
        {
          ...(modelId ? { modelId } : {}),
          metrics,
          finishedAt: at,
          ...(more.reproduction ? { reproduction: more.reproduction } : {}),
        },
        [
          { type: 'status', status: 'succeeded', at },
          { type: 'done', ...(modelId ? { modelId } : {}), ...more, metrics, at },
        ],
        { fence },
      );
    },

    /**
     * A batch-predictions job running → succeeded: `rows` scored, its CSV at `output` (issue
     * 15). The output is written before, under the same fence.
     */
    succeedBatch(job: JobRef, fence: Fence, rows: number, output: string) {
      const at = now();
      return move(
        job,
        ['running'],
        'succeeded',
        { progress: { rows, of: rows }, finishedAt: at },
        [
          { type: 'status', status: 'succeeded', at },
          { type: 'done', rows, output, at },
        ],
        { fence },
      );
    },

    /** One of `from` → failed, with why. */
    fail(job: JobRef, from: readonly JobStatus[], error: JobError, fence: Fence = '') {
      const at = now();
      return move(
        job,
        from,
        'failed',
        { error, finishedAt: at },
        [
          { type: 'status', status: 'failed', at },
          { type: 'failed', error, at },
        ],
        { fence },
      );
    },

    /**
     * A sweep's trial running → pruned by early stopping at a rung: the epoch it reached and its
     * objective there (issue 17). It keeps no model; the move drops its checkpoint.
     */
    prune(job: JobRef, fence: Fence, epoch: number, metric: number) {
      const at = now();
      return move(
        job,
        ['running'],
        'pruned',
        { finishedAt: at },
        [
          { type: 'status', status: 'pruned', at },
          { type: 'pruned', epoch, metric, at },
        ],
        { fence },
      );
    },

    /**
     * One of `from` → cancelled, after `epoch` epochs (0: it never trained); a batch-predictions
     * job says the `rows` it had scored.
     */
    cancel(
      job: JobRef,
      from: readonly JobStatus[],
      epoch: number,
      fence: Fence = '',
      rows?: number,
    ) {
      const at = now();
      const events = cancelEvents(epoch, at, rows);
      return move(job, from, 'cancelled', { finishedAt: at }, events, { fence });
    },

    /** Rows a batch-predictions job has scored: its `progress` event and record, fenced. */
    progress(job: JobRef, rows: number, of: number, fence: Fence): Promise<'ok' | 'fenced'> {
      const event = { type: 'progress' as const, rows, of, at: now() };
      return stores.events.appendProgress(job.jobId, event, fence);
    },

    /**
     * queued → cancelled for a caller that has not read the job: its record is read once, after
     * the move, for its webhook and returned (null unless the move happened).
     */
    async cancelQueued(
      jobId: string,
      tenant: string,
    ): Promise<{ outcome: MoveOutcome; record: JobRecord | null }> {
      const at = now();
      const events = cancelEvents(0, at);
      const fields = { finishedAt: at };
      const outcome = await stores.jobs.transition(jobId, ['queued'], 'cancelled', fields, events);
      if (outcome !== 'ok') return { outcome, record: null };
      const record = await stores.jobs.get(jobId);
      if (record) await notify({ jobId, tenant, spec: record.spec }, events);
      return { outcome, record };
    },

    /** A try took the job up again from its checkpoint ('fenced' when it is no longer its). */
    resumed(job: JobRef, fence: Fence, epoch: number, position: number, attempt?: number) {
      const event: JobEvent = {
        type: 'resumed',
        epoch,
        position,
        ...(attempt !== undefined ? { attempt } : {}),
        at: now(),
      };
      return stores.events.append(job.jobId, event, fence);
    },

    /** A try failed for an infrastructure reason; BullMQ makes another after a backoff. */
    retrying(job: JobRef, fence: Fence, attempt: number, attempts: number, error: JobError) {
      const event: JobEvent = { type: 'retrying', attempt, attempts, error, at: now() };
      return stores.events.append(job.jobId, event, fence);
    },

    /**
     * An epoch's event and the job's progress (store method, one step), then its webhook when
     * `tell` and the write was this try's.
     */
    async epoch(
      job: JobRef,
      event: EpochEvent,
      epochs: number,
      seconds: number,
      fence: Fence,
      tell: boolean,
    ): Promise<'ok' | 'fenced'> {
      const written = await stores.events.appendEpoch(job.jobId, event, epochs, seconds, fence);
      if (written === 'ok' && tell) await notify(job, [event]);
      return written;
    },

    /** A running job another try started: its webhook hears `running` again (once, by id). */
    retellRunning(job: JobRef, startedAt: string): Promise<void> {
      return notify(job, [{ type: 'status', status: 'running', at: startedAt }]);
    },

    /**
     * A job that finished but whose worker stopped before BullMQ heard: its webhook may not have
     * been told (deliveries are by id, so telling it twice is once).
     */
    async retellFinished(job: JobRef): Promise<void> {
      const events = (await stores.events.after(job.jobId)).map((e) => e.event);
      const final = events.filter(
        (e) =>
          finalEventTypes.has(e.type) || (e.type === 'status' && finalStatuses.includes(e.status)),
      );
      await notify(job, final);
    },

    /** Asks whoever runs the job to stop it (every worker hears; the one running it stops). */
    requestCancel(jobId: string): Promise<void> {
      return stores.jobs.requestCancel(jobId);
    },
  };
}

export type Lifecycle = ReturnType<typeof createLifecycle>;
