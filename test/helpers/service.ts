// The real service for integration tests: real Redis (127.0.0.1:6379) under a key prefix of this
// run's own, the API listening on an ephemeral port, and real worker processes (the built
// dist/workers/worker.js, whose processor runs in worker threads), and a blob store in a temp
// folder of this run's own (BLOB_URL). stop() removes only our keys and that folder.
export { irisNetwork } from './examples.js';

import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { type Config, defaultTenant, loadConfig } from '../../src/config.js';
import { type Dataset, fromLabels } from '../../src/data/index.js';
import { train } from '../../src/engine/index.js';
import { newId } from '../../src/ids.js';
import {
  createModelDocument,
  type NetworkSpec,
  resolveTraining,
  type TrainingSpec,
} from '../../src/spec/index.js';
import { type BlobStore, openBlobStore } from '../../src/store/blobs/index.js';
import {
  connectRedis,
  createStores,
  deleteKeysUnder,
  type StoredModel,
} from '../../src/store/index.js';

const workerFile = fileURLToPath(new URL('../../dist/workers/worker.js', import.meta.url));

export interface TestService {
  config: Readonly<Config>;
  env: Record<string, string>;
  app: FastifyInstance;
  url: string;
  workers: ChildProcess[];
  /** The blob store the service uses (BLOB_URL): for tests that look into it. */
  blobs(): Promise<BlobStore>;
  startWorker(extraEnv?: Record<string, string>): Promise<ChildProcess>;
  restartApi(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServiceOptions {
  workers?: number;
  env?: Record<string, string>;
}

/** Starts a worker process and resolves once it logged that it is ready. */
function spawnWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [workerFile], {
    env: { ...process.env, ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker ready')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', (code) =>
      reject(new Error(`worker exited (${code}) before it was ready:\n${output}`)),
    );
    setTimeout(() => reject(new Error(`worker not ready after 15 s:\n${output}`)), 15_000).unref();
  });
}

export async function startService(options: ServiceOptions = {}): Promise<TestService> {
  const blobDir = options.env?.BLOB_URL ? null : mkdtempSync(join(tmpdir(), 'bp-test-blobs-'));
  const env: Record<string, string> = {
    KEY_PREFIX: `bp:test:${randomUUID().slice(0, 8)}`,
    ...(blobDir ? { BLOB_URL: pathToFileURL(blobDir).href } : {}),
    LOG_LEVEL: 'silent',
    SSE_HEARTBEAT_MS: '200',
    WORKER_CONCURRENCY: '2',
    ...options.env,
  };
  const config = loadConfig({ ...process.env, ...env });
  const listen = async () => {
    const app = await buildApp({ config });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return { app, url: `http://127.0.0.1:${port}` };
  };
  const service: TestService = {
    config,
    env,
    ...(await listen()),
    workers: [],
    blobs: () => openBlobStore(config),
    async startWorker(extraEnv = {}) {
      const child = await spawnWorker({ ...env, ...extraEnv });
      service.workers.push(child);
      return child;
    },
    async restartApi() {
      await service.app.close();
      Object.assign(service, await listen());
    },
    async stop() {
      // every process gone before our keys go, so none writes one back
      await Promise.all(
        service.workers.map((w) =>
          w.exitCode === null && w.signalCode === null
            ? new Promise((r) => w.once('exit', r).kill('SIGKILL'))
            : null,
        ),
      );
      await service.app.close();
      const redis = connectRedis(config);
      await deleteKeysUnder(redis, config.keyPrefix);
      await redis.quit();
      if (blobDir) rmSync(blobDir, { recursive: true, force: true });
    },
  };
  await Promise.all(Array.from({ length: options.workers ?? 0 }, () => service.startWorker()));
  return service;
}

/** JSON over HTTP against the listening service. */
export async function http(
  service: TestService,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(service.url + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : undefined,
    headers: response.headers,
  };
}

/** Polls a job until `done(job)` or the time-out. */
export async function waitForJob(
  service: TestService,
  id: string,
  done: (job: any) => boolean,
  ms = 30_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const { body } = await http(service, 'GET', `/v1/jobs/${id}`);
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${body.status} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A TCP port free on 127.0.0.1 right now (for a process of the test's own). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** A 2-3-1 sigmoid network for the xor generator: learns in a few hundred epochs, in milliseconds. */
export const xorNetwork = {
  inputSize: 2,
  layers: [
    { units: 3, activation: 'sigmoid' },
    { units: 1, activation: 'sigmoid' },
  ],
  divergence: 'binary_cross_entropy',
} as const;

/** The four xor rows, as an inline dataset for xorNetwork. */
export const xorRows = {
  inputs: [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ],
  targets: [[0], [1], [1], [0]],
};

/**
 * A job that trains for a few seconds on the built-in digits (small shuffled batches, adam): long
 * enough to kill, restart or stop things under it. `validationSplit` adds early-stopping state.
 */
export function secondsLongJob(seed: number, training: Record<string, unknown> = {}) {
  return {
    network: {
      inputSize: 64,
      layers: [
        { units: 256, activation: 'relu' },
        { units: 256, activation: 'tanh' },
        { units: 10, activation: 'softmax' },
      ],
      divergence: 'cross_entropy',
    },
    dataset: { builtin: 'digits', subset: 'train' },
    training: {
      epochs: 40,
      batchSize: 8,
      optimizer: 'adam',
      learningRate: 0.001,
      tolerance: 0,
      seed,
      ...training,
    },
  };
}

/**
 * Trains `network` on `data` with the engine and stores the model document as a worker would
 * (in `tenant`'s stores), with its per-epoch history. For tests that need a model to predict with.
 */
export async function storeTrainedModel(
  service: TestService,
  network: NetworkSpec,
  data: Dataset,
  spec: TrainingSpec,
  tenant: string = defaultTenant,
): Promise<StoredModel> {
  const training = resolveTraining(spec);
  const history: StoredModel['history'] = [];
  const result = train(network, data, training, {
    onEpoch: (r) => history.push({ epoch: r.epoch, error: r.error }),
  });
  const doc = createModelDocument({
    network,
    training,
    result,
    classes: data.classes,
    featureNames: data.featureNames,
    history,
    durationMs: 1,
  });
  const stored: StoredModel = { ...doc, id: newId(), jobId: newId() };
  const redis = connectRedis(service.config.redisUrl);
  const blobs = await service.blobs();
  await createStores(redis, service.config.keyPrefix, tenant, { blobs }).models.save(stored);
  await Promise.all([redis.quit(), blobs.close()]);
  return stored;
}

/**
 * A 2-input, 2-output softmax model trained on two rows labelled `classes`, stored without its
 * class names (it answers outputs only, as the suites that fuzz predict expect); returns its id.
 */
export async function storeTinyModel(service: TestService, classes: (string | number)[]) {
  const network = {
    inputSize: 2,
    layers: [{ units: 2, activation: 'softmax' as const }],
    divergence: 'cross_entropy' as const,
  };
  const { classes: _names, ...data } = fromLabels(
    [
      [0, 0],
      [1, 1],
    ],
    classes,
  );
  return (await storeTrainedModel(service, network, data, { epochs: 2, seed: 1 })).id;
}
