// Our side of the table bench, over HTTP only, as a new user would do it: the built API and one
// worker process (as `npm run start:api` and `start:worker` run them) against local Redis under
// a key prefix of this run's own, a raw CSV uploaded with `?label=`, a job of nothing but
// `{"dataset": {"id"}, "training": {"seed"}}`, and the model's `evaluation` on its held-out rows.
// Not here: scikit-learn's side or the report.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { Evaluation, ModelDocument } from '../../src/spec/index.js';
import { start, stopAndClean, waitForHttp } from '../processes.js';
import { apiCommand } from '../service.js';

export interface OurRun {
  seed: number;
  evaluation: Evaluation;
  /** The worker's training time (the model's metrics.durationMs), in seconds. */
  trainSeconds: number;
  /** POST /v1/jobs to the job's success, in seconds: queue, preprocessing, training, evaluation. */
  jobSeconds: number;
  epochs: number;
  stopReason: string;
  /** The network's input width after preprocessing, and its layers, e.g. "64 relu, 3 softmax". */
  inputWidth: number;
  layers: string;
}

export interface Service {
  api: string;
  stop(): Promise<void>;
}

/** A job may take this long before the bench gives up on it. */
const jobTimeoutMs = 10 * 60_000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

export async function startService(): Promise<Service> {
  const port = await freePort();
  const prefix = `bp:bench-tables:${randomUUID().slice(0, 8)}`;
  const env = {
    ...process.env,
    KEY_PREFIX: prefix,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    WORKER_CONCURRENCY: '1',
  };
  const children: ChildProcess[] = [];
  const stop = async () => {
    await stopAndClean(children, env, prefix);
  };
  try {
    const worker = start(['dist/workers/worker.js'], { ...env, LOG_LEVEL: 'info' }, 'worker ready');
    children.push(await worker);
    children.push(await start(apiCommand(), env, ''));
    const api = `http://127.0.0.1:${port}`;
    await waitForHttp(`${api}/healthz`);
    return { api, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function call(api: string, method: string, path: string, body?: string, type?: string) {
  const response = await fetch(api + path, {
    method,
    ...(body === undefined ? {} : { body, headers: { 'content-type': type! } }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 2000)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Uploads the raw CSV with its label; the dataset's id. */
export async function upload(service: Service, csv: string, label: string): Promise<string> {
  const path = `/v1/datasets?label=${encodeURIComponent(label)}`;
  const meta = await call(service.api, 'POST', path, csv, 'text/csv');
  return meta.id as string;
}

/** Trains on the dataset with the job spec the issue names, and reads the model's evaluation. */
export async function trainAndEvaluate(
  service: Service,
  datasetId: string,
  seed: number,
): Promise<OurRun> {
  const spec = { dataset: { id: datasetId }, training: { seed } };
  const t0 = performance.now();
  const posted = await call(
    service.api,
    'POST',
    '/v1/jobs',
    JSON.stringify(spec),
    'application/json',
  );
  const job = await waitForJob(service, posted.id as string);
  const jobSeconds = (performance.now() - t0) / 1000;
  const model = (await call(
    service.api,
    'GET',
    `/v1/models/${job.modelId}`,
  )) as unknown as ModelDocument;
  if (!model.evaluation) throw new Error(`model ${job.modelId} has no evaluation`);
  const layers = model.network.layers.map((l) => `${l.units} ${l.activation}`).join(', ');
  return {
    seed,
    evaluation: model.evaluation,
    trainSeconds: model.metrics.durationMs / 1000,
    jobSeconds,
    epochs: model.metrics.epochs,
    stopReason: model.metrics.stopReason,
    inputWidth: model.network.inputSize,
    layers,
  };
}

async function waitForJob(service: Service, id: string) {
  const deadline = Date.now() + jobTimeoutMs;
  for (;;) {
    const job = await call(service.api, 'GET', `/v1/jobs/${id}`);
    if (job.status === 'succeeded') return job;
    if (job.status === 'failed' || job.status === 'cancelled') {
      throw new Error(`job ${id} ${job.status}: ${JSON.stringify(job.error)}`);
    }
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status} after 10 minutes`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
