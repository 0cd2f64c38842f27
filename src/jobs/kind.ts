// What a kind of job provides to the shared lifecycle: how a submitted job of its kind is checked
// and stored (submit.ts), and what one try of it does once taken up (run.ts). Also a try's
// context and outcome. Not the list of kinds (kinds.ts), nor any kind itself (training.ts).
import type { Config } from '../config.js';
import type { DataRows } from '../data/index.js';
import type {
  AnyJobSpec,
  BatchPredictionSubmit,
  DatasetRef,
  FailureCode,
  JobPayload,
  JobSpec,
  TrainingPayload,
} from '../spec/index.js';
import { fencedOut } from '../store/fence.js';
import type { Fence, Stores } from '../store/index.js';
import type { Notify } from '../webhooks.js';
import type { Lifecycle } from './lifecycle.js';

/** What a client submits: a job spec (training), or a batch of predictions with its model. */
export type Submitted = JobSpec | BatchPredictionSubmit;

/** What a kind makes of a submitted job once its data is checked. */
export interface Prepared {
  /** Rows sent with the job: stored as its own dataset, which goes when it finishes. */
  inline: DataRows | null;
  /** Its data by reference; null for inline rows (their stored id, once saved). */
  dataset: DatasetRef | null;
  /** The spec the job is recorded and queued with, given its data's reference. */
  record(dataset: DatasetRef): AnyJobSpec;
}

/** A kind of job; `Spec`: what a client submits for one (training's: the job spec). */
export interface Kind<Checked, Spec = JobSpec> {
  /** Checks what needs no I/O (defaults, static limits); throws a ValidationError. */
  check(config: Readonly<Config>, spec: Spec): Checked;
  /** Checks the job against its data and the service's limits; throws a ValidationError. */
  prepare(
    config: Readonly<Config>,
    stores: Stores,
    spec: Spec,
    checked: Checked,
  ): Promise<Prepared>;
  /** One try of a job of this kind, taken up and fenced (run.ts made it so). */
  run(t: Try): Promise<JobOutcome>;
}

/** How workers run jobs (from their configuration). */
export interface RunOptions {
  /** The service's settings: a job that waited for its dataset is checked against them. */
  config: Readonly<Config>;
  /** Least time between two checkpoints of a running job. */
  checkpointMs: number;
  /** The longest a job may train, counting earlier tries (0: no limit). */
  maxJobSeconds: number;
  /** The most target values (rows × outputs) a job's data may expand to. */
  maxDatasetCells: number;
  /** A tenant's jobs training at once at most (0: no cap). */
  maxRunningJobs: number;
  /** Least time between two `epoch` webhook deliveries of one job. */
  webhookEpochIntervalMs: number;
  /** The most points a model's per-epoch history keeps (MAX_HISTORY_POINTS). */
  historyPoints: number;
  /** Sends events to the job's webhook (queued; never blocks training). */
  notify: Notify;
}

/** Which try this is: `made` earlier ones, of at most `max`. */
export interface Attempt {
  made: number;
  max: number;
}

/** A try that has taken its job up: every write it makes carries `fence`. */
export interface Try<Payload extends JobPayload = JobPayload> {
  stores: Stores;
  lifecycle: Lifecycle;
  job: Payload;
  options: RunOptions;
  signal: AbortSignal | undefined;
  attempt: Attempt;
  fence: Fence;
  /** The job was running already: an earlier try stopped, this one resumes it. */
  takeover: boolean;
  /** The last epoch earlier tries wrote to the stream (0 for a first try). */
  written: number;
}

export interface JobOutcome {
  /**
   * handed_back: checkpointed and to go back on the queue (the worker is shutting down);
   * throttled: not started, as its tenant has as many jobs running as it may;
   * fenced: another try has taken the job over (this one's lock lapsed): it stopped;
   * pruned: a sweep's trial stopped at a rung by early stopping (ASHA);
   * waiting_at_rung: a sweep's trial that waited at a rung for lower trials gave its worker up,
   * checkpointed: to go back on the queue after a moment.
   * waiting_children: a cross-validated job's folds are recorded and still to run: the glue puts
   * `children` on the queue as the job's children and has it wait for them (cross-validation.ts).
   */
  status:
    | 'succeeded'
    | 'failed'
    | 'cancelled'
    | 'pruned'
    | 'skipped'
    | 'handed_back'
    | 'waiting_at_rung'
    | 'throttled'
    | 'fenced'
    | 'waiting_children';
  modelId?: string;
  /** waiting_children: the fold jobs to queue (each recorded already; queueing one twice is once). */
  children?: JobPayload[];
}

/** A try of a training job. */
export type TrainingTry = Try<TrainingPayload>;

/** The reason a worker shutting down (SIGTERM) aborts its tries with: checkpoint and hand back. */
export const handoffReason = 'handoff';

/** Fails the try's running job (fenced): 'failed', or 'fenced' when another try has it. */
export async function failTry(t: Try, code: FailureCode, message: string): Promise<JobOutcome> {
  const outcome = await t.lifecycle.fail(t.job, ['running'], { code, message }, t.fence);
  return { status: outcome === fencedOut ? 'fenced' : 'failed' };
}

/** A job's own input was refused as it ran: it fails once and is never tried again. */
export class RefusedInputError extends Error {}
