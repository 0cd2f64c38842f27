// Driving the step-wise trainer for one try of a job inside a worker thread: each epoch's event
// and progress to Redis as it happens, a checkpoint (with the model's bounded history) every few
// seconds, a yield every slice so a cancel is heard. Not the job's lifecycle: train-job.ts.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Dataset } from '../src/data/index.js';
import {
  createTraining,
  type EpochReport,
  type TrainCheckpoint,
  type TrainResult,
} from '../src/engine/index.js';
import type { Lifecycle } from '../src/jobs/lifecycle.js';
import { handoffReason } from '../src/queue.js';
import { addEpoch, copyHistory, type HistoryState } from '../src/spec/history.js';
import type { JobPayload } from '../src/spec/index.js';
import { fencedOut } from '../src/store/fence.js';
import type { Fence, Stores } from '../src/store/index.js';
import { createThreadTeam } from '../src/threads/team.js';
import type { RunOptions } from './train-job.js';

/** How long the engine runs before the thread lets its event loop turn. */
const sliceMs = 50;

/** Where a try starts: the checkpoint and its history, the epochs already sent, its fence. */
export interface Resume {
  checkpoint: TrainCheckpoint | null;
  history: HistoryState;
  written: number;
  fence: Fence;
}

// Drives the step-wise trainer, writing each epoch's event and progress (once per epoch, even
// when a resumed run trains an epoch again), saving a checkpoint every few seconds at a batch
// boundary, yielding every slice. A write refused by the fence stops the run ('fenced').
export async function trainStreaming(
  stores: Stores,
  lifecycle: Lifecycle,
  job: JobPayload,
  data: Dataset,
  signal: AbortSignal | undefined,
  resume: Resume,
  options: RunOptions,
): Promise<TrainResult | 'handed_back' | 'time_limit' | 'fenced'> {
  const handoff = () => signal?.aborted === true && signal.reason === handoffReason;
  // training time so far counts what earlier tries did before their checkpoint
  const since = performance.now() - (resume.checkpoint?.elapsedMs ?? 0);
  let overTime = false;
  let lost = false; // another try holds the job now
  const stop = () => {
    if (lost || (signal?.aborted === true && !handoff())) return true;
    overTime =
      options.maxJobSeconds > 0 && performance.now() - since > options.maxJobSeconds * 1000;
    return overTime;
  };
  const heard = (result: unknown) => {
    if (result === fencedOut) lost = true;
  };
  const { network, training } = job.spec;
  // a job on several threads brings its own helpers (data-parallel: engine/parallel.ts)
  const team = training.threads > 1 ? createThreadTeam(training.threads - 1) : undefined;
  const run = createTraining(
    network,
    data,
    training,
    { shouldStop: stop, ...(team ? { team } : {}) },
    resume.checkpoint ?? undefined,
  );
  const { steps } = run;
  const { fence, history } = resume;
  const writes: Promise<unknown>[] = [];
  let saving: Promise<void> = Promise.resolve();
  const epochHooks = job.spec.webhook?.events.includes('epoch') === true;
  let hooked = Number.NEGATIVE_INFINITY;
  // reports' elapsedMs runs on over the whole job (and from a checkpoint): an epoch took the step
  let elapsedMs = resume.checkpoint?.last?.elapsedMs ?? 0;
  let slice = performance.now();
  let saved = performance.now();
  const save = (c: TrainCheckpoint, h: HistoryState) =>
    stores.checkpoints.save(job.jobId, c, fence, h).then(heard);
  try {
    for (;;) {
      const step = steps.next();
      if (step.done) {
        await Promise.all([...writes, saving]);
        if (lost) return 'fenced';
        return overTime && step.value.reason === 'stopped' ? 'time_limit' : step.value;
      }
      if (step.value.type === 'epoch') {
        const r: EpochReport = step.value.report;
        const seconds = (r.elapsedMs - elapsedMs) / 1000;
        elapsedMs = r.elapsedMs;
        const point = { epoch: r.epoch, error: r.error };
        if (r.validationError !== undefined)
          Object.assign(point, { validationError: r.validationError });
        addEpoch(history, point, options.historyPoints);
        if (r.epoch > resume.written) {
          const event = { type: 'epoch' as const, ...r };
          // its webhook at most every WEBHOOK_EPOCH_INTERVAL_MS, once written by this try
          const tell = epochHooks && performance.now() - hooked >= options.webhookEpochIntervalMs;
          if (tell) hooked = performance.now();
          const write = lifecycle.epoch(job, event, training.epochs, seconds, fence, tell);
          writes.push(write.then(heard));
        }
      } else if (step.value.batchEnd && handoff()) {
        // shutting down: this batch boundary's state goes to Redis for the next worker
        await Promise.all([...writes, saving]);
        await save(run.checkpoint(), history);
        return lost ? 'fenced' : 'handed_back';
      } else if (step.value.batchEnd && performance.now() - saved >= options.checkpointMs) {
        const checkpoint = run.checkpoint(); // copies, so training may go on at once
        const kept = copyHistory(history);
        saving = saving.then(() => save(checkpoint, kept));
        saved = performance.now();
      }
      if (performance.now() - slice >= sliceMs) {
        await yieldToEventLoop(); // lets a cancel message and Redis replies in
        await Promise.all(writes.splice(0));
        slice = performance.now();
      }
    }
  } finally {
    steps.return(undefined as never); // ends the run (and its helpers) if it did not finish
    await team?.close();
  }
}
