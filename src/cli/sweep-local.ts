// A hyperparameter sweep (issue 17) run on this machine, no server: the sweep file checked as
// POST /v1/sweeps checks it, its trials trained on worker threads (sweep-thread.ts), at most
// `parallel` at once in index order, ASHA's decisions taken here by the server's rule (spec/
// asha.ts, rungPeers: a trial is judged against the lower trials at its rung, waiting for any
// still on its way), so the same file gives the same trials, pruning and best as on a server.
// What the sweep checks before any thread starts is sweep-check.ts. Not the printing (sweep-
// command.ts), nor the remote sweep.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ashaDecision, type PeerAtRung, rungPeers } from '../spec/asha.js';
import type { ModelDocument, Sweep } from '../spec/index.js';
import { checkSweepFile, type SweepTrialSpec } from './sweep-check.js';
import type { FromTrialThread, ToTrialThread, TrialOrder } from './sweep-messages.js';
import {
  beats,
  hasEnded,
  metricOf,
  type SweepResultView,
  type SweepTrialView,
  viewOf,
} from './sweep-view.js';

export type { SweepResultView, SweepTrialView } from './sweep-view.js';

/** A trial's state while the sweep runs: the view, and what the board and ASHA need. */
interface TrialState extends SweepTrialView {
  /** The objective's value at its latest epoch (for the live board). */
  latest: number | undefined;
  /** The value recorded at each rung it reached. */
  atRung: Map<number, number>;
  /** Why it failed. */
  failure?: string;
}

export interface LocalSweepOptions {
  /** Relative CSV paths in the spec are read from here (the sweep file's folder). */
  baseDir: string;
  /** Trials training at once (default: min(parallel, the cores here)); capped at parallel. */
  threads?: number;
  /** Called after every change (an epoch, a rung, a trial's end), for a live board. */
  onChange?: (live: LiveSweep) => void;
}

export interface LiveSweep {
  view: SweepResultView;
  /** Running trials' latest objective value, by index. */
  latest: Map<number, number | undefined>;
  /** A trial that just ended, when that is the change. */
  ended?: SweepTrialView & { failure?: string };
}

export interface LocalSweepResult {
  sweep: Sweep;
  view: SweepResultView;
  /** The best trial's model document, as `backprop train` writes one; null without a best. */
  bestModel: ModelDocument | null;
  /** Why each failed trial failed, by index. */
  failures: Map<number, string>;
  threads: number;
  wallMs: number;
}

// The thread's script: its TypeScript source under tsx (tests), whose loader Node 20 does not
// pass on to threads, so a small module registers it first.
const threadScript = import.meta.url.endsWith('.ts')
  ? './sweep-thread-tsx.mjs'
  : './sweep-thread.js';

/** Checks the sweep (throws a ValidationError naming the field) and runs it to its end. */
export async function runLocalSweep(
  value: unknown,
  options: LocalSweepOptions,
): Promise<LocalSweepResult> {
  const { sweep, trials } = checkSweepFile(value, options.baseDir);
  const threads = Math.max(
    1,
    Math.min(sweep.parallel, options.threads ?? availableParallelism(), trials.length),
  );
  const started = performance.now();
  const run = createScheduler(sweep, trials, options, threads);
  await run.finished;
  return { sweep, ...run.result(), threads, wallMs: performance.now() - started };
}

function createScheduler(
  sweep: Sweep,
  specs: SweepTrialSpec[],
  options: LocalSweepOptions,
  threads: number,
) {
  const { metric, goal } = sweep.objective;
  const asha = sweep.earlyStopping;
  const trials: TrialState[] = specs.map(({ params }, index) => ({
    index,
    params,
    status: 'queued',
    metric: null,
    epochs: 0,
    latest: undefined,
    atRung: new Map(),
  }));
  const ended = hasEnded;
  let best: { index: number; metric: number; doc: ModelDocument } | null = null;
  // trials at a rung waiting for a decision (a lower trial still on its way there)
  const waiting = new Map<number, { rung: number; value: number }>();
  const idle: Worker[] = [];
  const all: Worker[] = [];
  let next = 0;
  let done!: () => void;
  let failed!: (error: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });

  const view = () => viewOf(sweep.objective, trials, best);
  const changed = (justEnded?: TrialState) => {
    if (!options.onChange) return;
    const latest = new Map(
      trials.filter((t) => t.status === 'running').map((t) => [t.index, t.latest]),
    );
    const end = justEnded
      ? {
          ...view().trials[justEnded.index]!,
          ...(justEnded.failure ? { failure: justEnded.failure } : {}),
        }
      : undefined;
    options.onChange({ view: view(), latest, ...(end ? { ended: end } : {}) });
  };

  const post = (worker: Worker, message: ToTrialThread) => worker.postMessage(message);
  const running = () => trials.filter((t) => t.status === 'running').length;
  const byIndex = new Map<number, Worker>();

  // Trials start in index order, at most `parallel` unfinished below the next (all of them
  // running, as they started in order), and on a free thread.
  function startTrials(): void {
    while (next < trials.length && running() < sweep.parallel && idle.length > 0) {
      const t = trials[next]!;
      const worker = idle.pop()!;
      const order: TrialOrder = {
        type: 'trial',
        index: next,
        spec: specs[next]!.spec,
        baseDir: options.baseDir,
        ...(asha
          ? { asha: { minEpochs: asha.minEpochs, reductionFactor: asha.reductionFactor } }
          : {}),
        metric,
      };
      t.status = 'running';
      byIndex.set(next, worker);
      post(worker, order);
      next++;
    }
  }

  // Where trial j stands at `rung` for a higher trial: its value there, ended short, or not yet.
  const peerAt =
    (rung: number) =>
    (j: number): PeerAtRung => {
      const t = trials[j]!;
      const value = t.atRung.get(rung);
      if (value !== undefined) return { value };
      return ended(t) ? 'ended' : 'on its way';
    };

  // Decides every waiting trial that can be, lowest first, until none can: a decision records a
  // value at a rung, which may let a higher trial go.
  function decideWaiting(): void {
    for (let again = true; again; ) {
      again = false;
      for (const index of [...waiting.keys()].sort((a, b) => a - b)) {
        const { rung, value } = waiting.get(index)!;
        const peers = rungPeers(index, peerAt(rung));
        if (peers === 'wait') continue;
        waiting.delete(index);
        const decision = ashaDecision({ [rung]: peers }, value, rung, {
          reductionFactor: asha!.reductionFactor,
          goal,
        });
        const t = trials[index]!;
        t.atRung.set(rung, value);
        if (decision === 'prune') {
          t.status = 'pruned';
          t.epochs = rung;
          t.metric = Number.isFinite(value) ? value : null;
        }
        post(byIndex.get(index)!, { type: 'decision', index, decision });
        if (decision === 'prune') changed(t);
        again = true;
      }
    }
  }

  function trialEnded(t: TrialState): void {
    changed(t);
    decideWaiting(); // a trial that ended short of a rung no longer holds the higher ones
    if (trials.every(ended)) done();
    else startTrials();
  }

  function heard(worker: Worker, message: FromTrialThread): void {
    const t = trials[message.index]!;
    switch (message.type) {
      case 'epoch':
        t.epochs = message.epoch;
        t.latest = message.value;
        changed();
        break;
      case 'rung':
        waiting.set(t.index, { rung: message.epoch, value: message.value });
        decideWaiting();
        break;
      case 'succeeded': {
        free(worker, t.index);
        const m = metricOf(message.doc, metric);
        t.status = 'succeeded';
        t.epochs = message.epochs;
        t.metric = m;
        if (m !== null && beats(goal, m, t.index, best))
          best = { index: t.index, metric: m, doc: message.doc };
        trialEnded(t);
        break;
      }
      case 'failed':
        free(worker, t.index);
        t.status = 'failed';
        t.epochs = message.epochs;
        t.failure = message.message;
        trialEnded(t);
        break;
      case 'stopped': // pruned already, when the decision was taken
        free(worker, t.index);
        if (trials.every(ended)) done();
        else startTrials();
        break;
    }
  }

  function free(worker: Worker, index: number): void {
    byIndex.delete(index);
    idle.push(worker);
  }

  for (let i = 0; i < threads; i++) {
    const worker = new Worker(new URL(threadScript, import.meta.url));
    worker.on('message', (message: FromTrialThread) => {
      try {
        heard(worker, message);
      } catch (error) {
        failed(error);
      }
    });
    worker.on('error', failed); // a thread that throws is a bug here, not a trial's failure
    all.push(worker);
    idle.push(worker);
  }
  startTrials();
  const stopThreads = () => Promise.all(all.map((w) => w.terminate()));
  const over = finished.then(stopThreads, async (error: unknown) => {
    await stopThreads();
    throw error;
  });

  return {
    finished: over,
    result: () => ({
      view: view(),
      bestModel: best?.doc ?? null,
      failures: new Map(trials.filter((t) => t.failure).map((t) => [t.index, t.failure!])),
    }),
  };
}
