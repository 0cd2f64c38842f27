// A hyperparameter sweep (issue 17) run on this machine, no server: the sweep file checked as
// POST /v1/sweeps checks it, its trials trained on worker threads (sweep-thread.ts), at most
// `parallel` at once in index order, ASHA's decisions taken here by the server's rule (spec/
// asha.ts, rungPeers: a trial is judged against the lower trials at its rung, waiting for any
// still on its way), so the same file gives the same trials, pruning and best as on a server.
// What the sweep checks before any thread starts is sweep-check.ts. Not the printing (sweep-
// command.ts), nor the remote sweep.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ModelDocument, Sweep } from '../spec/index.js';
import { checkSweepFile, type SweepTrialSpec } from './sweep-check.js';
import type { FromTrialThread, ToTrialThread, TrialOrder } from './sweep-messages.js';
import { createRungJudge, type RungTrial } from './sweep-rungs.js';
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
interface TrialState extends RungTrial {
  /** The objective's value at its latest epoch (for the live board). */
  latest: number | undefined;
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
  const run = new SweepScheduler(sweep, trials, options);
  await run.run(threads);
  return { sweep, ...run.result(), threads, wallMs: performance.now() - started };
}

/** The sweep's trials on `threads` worker threads: which starts when, what ASHA says, the best. */
class SweepScheduler {
  readonly #trials: TrialState[];
  readonly #judge: ReturnType<typeof createRungJudge> | undefined;
  #best: { index: number; metric: number; doc: ModelDocument } | null = null;
  #next = 0;
  readonly #idle: Worker[] = [];
  /** The thread each running trial is on. */
  readonly #threadOf = new Map<number, Worker>();
  #done: (error?: unknown) => void = () => {};

  constructor(
    private readonly sweep: Sweep,
    private readonly specs: SweepTrialSpec[],
    private readonly options: LocalSweepOptions,
  ) {
    this.#trials = specs.map(({ params }, index) => ({
      index,
      params,
      status: 'queued',
      metric: null,
      epochs: 0,
      latest: undefined,
      atRung: new Map(),
    }));
    const asha = sweep.earlyStopping;
    this.#judge = asha
      ? createRungJudge(this.#trials, {
          reductionFactor: asha.reductionFactor,
          goal: sweep.objective.goal,
        })
      : undefined;
  }

  /** Runs every trial to its end; rejects if a thread breaks (a bug, not a trial's failure). */
  async run(threads: number): Promise<void> {
    const all = Array.from({ length: threads }, () => this.#startThread());
    const over = new Promise<void>((resolve, reject) => {
      this.#done = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.#idle.push(...all);
    this.#startTrials();
    try {
      await over;
    } finally {
      await Promise.all(all.map((w) => w.terminate()));
    }
  }

  result() {
    const trials = this.#trials;
    return {
      view: this.#view(),
      bestModel: this.#best?.doc ?? null,
      failures: new Map(trials.filter((t) => t.failure).map((t) => [t.index, t.failure!])),
    };
  }

  #startThread(): Worker {
    const worker = new Worker(new URL(threadScript, import.meta.url));
    worker.on('message', (message: FromTrialThread) => {
      try {
        this.#heard(worker, message);
      } catch (error) {
        this.#done(error);
      }
    });
    worker.on('error', (error) => this.#done(error));
    return worker;
  }

  #view = () => viewOf(this.sweep.objective, this.#trials, this.#best);

  #changed(justEnded?: TrialState): void {
    if (!this.options.onChange) return;
    const running = this.#trials.filter((t) => t.status === 'running');
    const latest = new Map(running.map((t) => [t.index, t.latest]));
    const view = this.#view();
    const ended = justEnded && {
      ...view.trials[justEnded.index]!,
      ...(justEnded.failure ? { failure: justEnded.failure } : {}),
    };
    this.options.onChange({ view, latest, ...(ended ? { ended } : {}) });
  }

  // Trials start in index order, at most `parallel` unfinished below the next (all of them
  // running, as they started in order), each on a free thread.
  #startTrials(): void {
    const { earlyStopping: asha, objective, parallel } = this.sweep;
    const running = () => this.#trials.filter((t) => t.status === 'running').length;
    while (this.#next < this.#trials.length && running() < parallel && this.#idle.length > 0) {
      const index = this.#next++;
      const worker = this.#idle.pop()!;
      const order: TrialOrder = {
        type: 'trial',
        index,
        spec: this.specs[index]!.spec,
        baseDir: this.options.baseDir,
        ...(asha
          ? { asha: { minEpochs: asha.minEpochs, reductionFactor: asha.reductionFactor } }
          : {}),
        metric: objective.metric,
      };
      this.#trials[index]!.status = 'running';
      this.#threadOf.set(index, worker);
      post(worker, order);
    }
  }

  // ASHA's decisions that can be taken now, sent to the trials' threads.
  #decide(): void {
    for (const { index, decision } of this.#judge?.decide() ?? []) {
      post(this.#threadOf.get(index)!, { type: 'decision', index, decision });
      if (decision === 'prune') this.#changed(this.#trials[index]);
    }
  }

  #heard(worker: Worker, message: FromTrialThread): void {
    const t = this.#trials[message.index]!;
    switch (message.type) {
      case 'epoch':
        t.epochs = message.epoch;
        t.latest = message.value;
        this.#changed();
        return;
      case 'rung':
        this.#judge!.arrive(t.index, message.epoch, message.value);
        this.#decide();
        return;
      case 'succeeded': {
        const m = metricOf(message.doc, this.sweep.objective.metric);
        Object.assign(t, { status: 'succeeded', epochs: message.epochs, metric: m });
        if (m !== null && beats(this.sweep.objective.goal, m, t.index, this.#best))
          this.#best = { index: t.index, metric: m, doc: message.doc };
        break;
      }
      case 'failed':
        Object.assign(t, { status: 'failed', epochs: message.epochs, failure: message.message });
        break;
      case 'stopped': // pruned when the decision was taken: only its thread is freed now
        break;
    }
    this.#threadOf.delete(t.index);
    this.#idle.push(worker);
    if (message.type !== 'stopped') {
      this.#changed(t);
      this.#decide(); // a trial that ended short of a rung no longer holds the higher ones
    }
    if (this.#trials.every(hasEnded)) this.#done();
    else this.#startTrials();
  }
}

const post = (worker: Worker, message: ToTrialThread) => worker.postMessage(message);
