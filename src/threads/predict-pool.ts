// The API's predict threads: a prediction over PREDICT_THREAD_WORK (rows × parameters) runs its
// forward pass here, off the event loop that answers every tenant. Started at the first such
// prediction, closed with the app. Not here: deciding which predictions come (api/predict.ts).
import { Worker } from 'node:worker_threads';
import type { Model } from '../engine/index.js';

export interface PredictTask {
  id: number;
  /** The model's number in this pool; `model` is sent only when the thread lacks it. */
  modelSerial: number;
  model?: Model;
  inputs: Float32Array;
  rows: number;
}

export type PredictReply =
  | { id: number; outputs: Float32Array; error?: undefined }
  | { id: number; error: string; outputs?: undefined };

// As many as the thread keeps (predict-worker.ts's predictorsKept; not imported, as importing
// the thread's module here would run it).
const predictorsKept = 4;

interface Thread {
  worker: Worker;
  /** Serials of the models the thread holds, least recently used first. */
  models: number[];
  pending: Map<number, { resolve(y: Float32Array): void; reject(e: Error): void }>;
}

// A thread that ends (it should not) fails what it was given, and leaves the pool.
function startThread(onExit: (thread: Thread) => void): Thread {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fromSource ? './predict-worker-tsx.mjs' : './predict-worker.js';
  const worker = new Worker(new URL(script, import.meta.url));
  const thread: Thread = { worker, models: [], pending: new Map() };
  worker.on('message', (reply: PredictReply) => {
    const task = thread.pending.get(reply.id);
    thread.pending.delete(reply.id);
    if (reply.outputs) task?.resolve(reply.outputs);
    else task?.reject(new Error(`predict thread: ${reply.error}`));
  });
  worker.on('error', () => {}); // 'exit' follows
  worker.once('exit', (code) => {
    onExit(thread);
    for (const task of thread.pending.values())
      task.reject(new Error(`predict thread ended (exit code ${code})`));
    thread.pending.clear();
  });
  worker.unref(); // an idle pool keeps no process alive
  return thread;
}

export function createPredictPool(size: number) {
  const threads: Thread[] = [];
  const serials = new WeakMap<Model, number>();
  let nextSerial = 1;
  let nextId = 1;
  let runs = 0;
  const forget = (thread: Thread) => {
    const at = threads.indexOf(thread);
    if (at >= 0) threads.splice(at, 1);
  };

  // a new thread while there are fewer than `size`, else the one with the fewest waiting
  const pick = (): Thread => {
    if (threads.length < size) threads.push(startThread(forget));
    return threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  };

  function send(thread: Thread, model: Model, inputs: Float32Array, rows: number) {
    const serial = serials.get(model) ?? nextSerial++;
    serials.set(model, serial);
    const held = thread.models.indexOf(serial);
    if (held >= 0) thread.models.splice(held, 1);
    thread.models.push(serial);
    if (thread.models.length > predictorsKept) thread.models.shift();
    const task: PredictTask = { id: nextId++, modelSerial: serial, inputs, rows };
    if (held < 0) task.model = model;
    return task;
  }

  return {
    /** Predictions run in a thread so far. */
    get runs() {
      return runs;
    },
    /** Predictions sent to a thread and not yet answered. */
    get busy() {
      return threads.reduce((n, t) => n + t.pending.size, 0);
    },
    /** The predictor's outputs for `rows` rows of `inputs`, computed in a thread. */
    run(model: Model, inputs: Float32Array, rows: number): Promise<Float32Array> {
      const thread = pick();
      const task = send(thread, model, inputs, rows);
      runs++;
      return new Promise((resolve, reject) => {
        thread.pending.set(task.id, { resolve, reject });
        thread.worker.postMessage(task, [inputs.buffer as ArrayBuffer]);
      });
    },
    async close(): Promise<void> {
      await Promise.all([...threads].map((t) => t.worker.terminate()));
    },
  };
}

export type PredictPool = ReturnType<typeof createPredictPool>;
