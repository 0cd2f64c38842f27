// The threads of a data-parallel training run (the engine's ThreadTeam): worker_threads that
// each run one replica over the run's shared wasm memory. One team per run; close it afterwards.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ReplicaSetup, ThreadTeam } from '../engine/index.js';

export interface ClosableTeam extends ThreadTeam {
  /** Stops the helpers (call once no run is using them); resolves when they have ended. */
  close(): Promise<void>;
}

/** The threads a job may ask for on this machine: at most one per core. */
export function maxThreadsHere(): number {
  return availableParallelism();
}

// Running from TypeScript sources (tests, tsx), the helper starts through tsx
// (./replica-worker-tsx.mjs).
function helperWorker(index: number): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fromSource ? './replica-worker-tsx.mjs' : './replica-worker.js';
  return new Worker(new URL(script, import.meta.url), { workerData: { index } });
}

/**
 * A team of `helpers` threads besides the caller's (threads − 1 for a run on `threads`). It can
 * serve one run after another (each run's end frees the helpers); close it when done.
 */
export function createThreadTeam(helpers: number): ClosableTeam {
  const workers = Array.from({ length: helpers }, (_, i) => helperWorker(i + 1));
  const exits = workers.map(
    (worker) =>
      new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.on('error', () => {}); // the run sees the failure through the shared memory
      }),
  );
  return {
    helpers,
    start(setup: ReplicaSetup) {
      for (const worker of workers) worker.postMessage(setup);
    },
    async close() {
      for (const worker of workers) void worker.terminate();
      await Promise.all(exits);
    },
  };
}
