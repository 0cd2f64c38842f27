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
  /** A cross-validation fold job: the rows of `data` that validate, in place of validationSplit. */
  validationRows?: Uint32Array;
}

export type StreamingEnd = TrainResult | 'handed_back' | 'time_limit' | 'fenced';

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
  try {
    return await drive(training, guard, createRecorder(run, guard));
  } finally {
    training.steps.return(undefined as never); // ends the run (and its helpers) if not finished
    await team?.close();
  }
}

async function drive(
  training: Training,
  guard: Guard,
  recorder: ReturnType<typeof createRecorder>,
): Promise<StreamingEnd> {
  let slice = performance.now();
  for (;;) {
    const step = training.steps.next();
    if (step.done) {
      await recorder.settle();
      if (guard.lost) return 'fenced';
      return guard.overTime && step.value.reason === 'stopped' ? 'time_limit' : step.value;
    }
    if (step.value.type === 'epoch') recorder.epoch(step.value.report);
    else if (step.value.batchEnd && guard.handoff()) {
      await recorder.handOver(training);
      return guard.lost ? 'fenced' : 'handed_back';
    } else if (step.value.batchEnd) recorder.checkpointIfDue(training);
    if (performance.now() - slice >= sliceMs) {
      await yieldToEventLoop(); // lets a cancel message and Redis replies in
      await recorder.drain();
      slice = performance.now();
    }
  }
}
