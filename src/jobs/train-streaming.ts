// Driving the step-wise trainer for one try of a training job inside a worker thread: each
// epoch's event and progress to Redis as it happens, a checkpoint (with the model's bounded
// history) every few seconds, a yield every slice so a cancel is heard. Not the job's
// lifecycle (run.ts, training.ts).
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Dataset } from '../data/index.js';
import {
  createTraining,
  type EpochReport,
  type TrainCheckpoint,
  type Training,
  type TrainResult,
  type TrainStart,
} from '../engine/index.js';
import { addEpoch, copyHistory, type HistoryState } from '../spec/history.js';
import { fencedOut } from '../store/fence.js';
import { createThreadTeam } from '../threads/team.js';
import { handoffReason, type TrainingTry, type Try } from './kind.js';

/** How long the engine runs before the thread lets its event loop turn. */
const sliceMs = 50;

/** A value handed over once: after take(), the box holds nothing (so the value may be freed). */
export class Handover<T> {
  #value: T | null;
  constructor(value: T) {
    this.#value = value;
  }
  take(): T {
    const value = this.#value;
    if (value === null) throw new Error('handed over already');
    this.#value = null;
    return value;
  }
}

/** One try's training: its data, and where it starts (a checkpoint and its history, or none). */
export interface StreamingRun {
  t: TrainingTry;
  /** Its rows, taken once by the engine (which copies them into its arena). */
  data: Handover<Dataset>;
  checkpoint: TrainCheckpoint | null;
  history: HistoryState;
  /** A warm start (training.initFrom): the model's weights and scaler; a checkpoint overrides. */
  initial?: TrainStart;
  /** A sweep's trial under early stopping: judged at the end of each rung's epoch. */
  rungs?: RungJudge;
  /** A cross-validation fold job: the rows of `data` that validate, in place of validationSplit. */
  validationRows?: Uint32Array;
}

/**
 * A sweep trial's rungs (ASHA, jobs/sweep-trial.ts): the epochs it is judged at, and the
 * judgement of the epoch's report there ('wait': lower trials have not all reached it yet).
 */
export interface RungJudge {
  epochs: ReadonlySet<number>;
  /** The sweep's objective in an epoch's report (NaN when the report lacks it). */
  value(report: EpochReport): number;
  judge(epoch: number, report: EpochReport): Promise<'continue' | 'prune' | 'wait'>;
}

/** A trial pruned at a rung: the epoch, and its objective's value there. */
export interface Pruned {
  pruned: { epoch: number; metric: number };
}

export type StreamingEnd =
  | TrainResult
  | Pruned
  | 'handed_back'
  | 'waiting_at_rung'
  | 'time_limit'
  | 'fenced';

/** How often a trial waiting at a rung asks again, and how long it holds its worker so. */
const rungPollMs = 200;
const rungHoldMs = 10_000;

// Whether the try must stop: cancelled, over MAX_JOB_SECONDS (counting earlier tries' time up
// to their checkpoint), or fenced out by another try. A handoff is not a stop: it checkpoints.
function createGuard({ signal, options }: Try, checkpoint: TrainCheckpoint | null) {
  const since = performance.now() - (checkpoint?.elapsedMs ?? 0);
  const guard = {
    lost: false,
    overTime: false,
    handoff: () => signal?.aborted === true && signal.reason === handoffReason,
    stop(): boolean {
      if (guard.lost || (signal?.aborted === true && !guard.handoff())) return true;
      const limitMs = options.maxJobSeconds * 1000;
      guard.overTime = options.maxJobSeconds > 0 && performance.now() - since > limitMs;
      return guard.overTime;
    },
    heard(result: unknown) {
      if (result === fencedOut) guard.lost = true;
    },
  };
  return guard;
}

type Guard = ReturnType<typeof createGuard>;

// What the try writes as it trains: each epoch once (a resumed try trains some again and sends
// only later ones) with its webhook at most every WEBHOOK_EPOCH_INTERVAL_MS, and a checkpoint
// every CHECKPOINT_INTERVAL_MS at a batch boundary. Every write is fenced; a refusal is heard.
function createRecorder({ t, checkpoint, history }: StreamingRun, guard: Guard) {
  const { job, options, fence } = t;
  const writes: Promise<unknown>[] = [];
  let saving: Promise<void> = Promise.resolve();
  const epochHooks = job.spec.webhook?.events.includes('epoch') === true;
  let hooked = Number.NEGATIVE_INFINITY;
  // reports' elapsedMs runs on over the whole job (and from a checkpoint): an epoch took the step
  let elapsedMs = checkpoint?.last?.elapsedMs ?? 0;
  let saved = performance.now();
  const save = (c: TrainCheckpoint, h: HistoryState) =>
    t.stores.checkpoints.save(job.jobId, c, fence, h).then(guard.heard);
  return {
    epoch(r: EpochReport) {
      const seconds = (r.elapsedMs - elapsedMs) / 1000;
      elapsedMs = r.elapsedMs;
      const point = { epoch: r.epoch, error: r.error };
      if (r.validationError !== undefined)
        Object.assign(point, { validationError: r.validationError });
      addEpoch(history, point, options.historyPoints);
      if (r.epoch <= t.written) return;
      const tell = epochHooks && performance.now() - hooked >= options.webhookEpochIntervalMs;
      if (tell) hooked = performance.now();
      const event = { type: 'epoch' as const, ...r };
      const epochs = job.spec.training.epochs;
      writes.push(t.lifecycle.epoch(job, event, epochs, seconds, fence, tell).then(guard.heard));
    },
    checkpointIfDue(training: Training) {
      if (performance.now() - saved < options.checkpointMs) return;
      const copy = training.checkpoint(); // copies, so training may go on at once
      const kept = copyHistory(history);
      saving = saving.then(() => save(copy, kept));
      saved = performance.now();
    },
    /** Shutting down: this batch boundary's state goes to Redis for the next worker. */
    async handOver(training: Training) {
      await this.settle();
      await save(training.checkpoint(), history);
    },
    settle: () => Promise.all([...writes, saving]),
    // the checkpoint too: its save (a blob put, then Redis) is a dozen steps, each waiting for
    // the event loop, which turns only between slices: left to run beside training it would
    // finish seconds of epochs late, and a crash meanwhile lose them
    drain: () => Promise.all([...writes.splice(0), saving]),
  };
}

/** Trains the try to its end; a write refused by the fence stops it ('fenced'). */
export async function trainStreaming(run: StreamingRun): Promise<StreamingEnd> {
  const { network, training: options } = run.t.job.spec;
  // a job on several threads brings its own helpers (data-parallel: engine/parallel.ts)
  const team = options.threads > 1 ? createThreadTeam(options.threads - 1) : undefined;
  const guard = createGuard(run.t, run.checkpoint);
  const hooks = {
    shouldStop: guard.stop,
    ...(team ? { team } : {}),
    ...(run.initial ? { start: run.initial } : {}),
    ...(run.validationRows ? { validationRows: run.validationRows } : {}),
  };
  const resume = run.checkpoint ?? undefined;
  const training = createTraining(network, run.data.take(), options, hooks, resume);
  const rungs = run.rungs ? createRungs(run.rungs, guard) : undefined;
  try {
    // a try resumed from a checkpoint taken at a rung (its worker stopped, or it gave its place
    // up while it waited) is judged there first: the same judgement, as the values are kept
    const last = resume?.last;
    if (rungs && resume && last && run.rungs!.epochs.has(resume.epoch)) {
      const early = await rungs.at(resume.epoch, last);
      if (early) return early;
    }
    return await drive(training, guard, createRecorder(run, guard), rungs);
  } finally {
    training.steps.return(undefined as never); // ends the run (and its helpers) if not finished
    await team?.close();
  }
}

// A trial's rungs as the drive loop meets them: the judgement at a rung's epoch, asked again
// while lower trials are on their way; a trial that has waited rungHoldMs gives its worker up at
// the next batch boundary (a checkpoint, back on the queue), so that the trials it waits for
// are never kept from a worker by it. A cancel or a handoff ends the wait at once.
function createRungs(judge: RungJudge, guard: Guard) {
  const rungs = {
    giveUp: false,
    judged: (epoch: number) => judge.epochs.has(epoch),
    async at(epoch: number, report: EpochReport): Promise<Pruned | null> {
      const since = performance.now();
      for (;;) {
        const decision = await judge.judge(epoch, report);
        if (decision === 'continue') return null;
        if (decision === 'prune') return { pruned: { epoch, metric: judge.value(report) } };
        if (guard.stop() || guard.handoff()) return null;
        if (performance.now() - since >= rungHoldMs) {
          rungs.giveUp = true;
          return null;
        }
        await new Promise((r) => setTimeout(r, rungPollMs));
      }
    },
  };
  return rungs;
}

type Rungs = ReturnType<typeof createRungs>;

async function drive(
  training: Training,
  guard: Guard,
  recorder: ReturnType<typeof createRecorder>,
  rungs?: Rungs,
): Promise<StreamingEnd> {
  let slice = performance.now();
  for (;;) {
    const step = training.steps.next();
    if (step.done) {
      await recorder.settle();
      if (guard.lost) return 'fenced';
      return guard.overTime && step.value.reason === 'stopped' ? 'time_limit' : step.value;
    }
    if (step.value.type === 'epoch') {
      recorder.epoch(step.value.report);
      const { epoch } = step.value.report;
      if (rungs?.judged(epoch)) {
        await recorder.drain(); // the epoch is written before the trial is judged on it
        const pruned = await rungs.at(epoch, step.value.report);
        if (pruned) {
          await recorder.settle();
          return guard.lost ? 'fenced' : pruned;
        }
      }
    } else if (step.value.batchEnd && (guard.handoff() || rungs?.giveUp)) {
      await recorder.handOver(training);
      if (guard.lost) return 'fenced';
      return guard.handoff() ? 'handed_back' : 'waiting_at_rung';
    } else if (step.value.batchEnd) recorder.checkpointIfDue(training);
    if (performance.now() - slice >= sliceMs) {
      await yieldToEventLoop(); // lets a cancel message and Redis replies in
      await recorder.drain();
      slice = performance.now();
    }
  }
}
