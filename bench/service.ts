// Service figures: latency from POST /v1/jobs to the first epoch event with an idle worker, and
// predict requests/s and p99 latency under autocannon beside a bare Fastify route, each server
// in its own process, against the real Redis at REDIS_URL under a key prefix of its own.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config.js';
import { connectRedis, deleteKeysUnder } from '../src/store/index.js';

const prefix = `bp:bench:${randomUUID().slice(0, 8)}`;
const apiPort = 3911;
const barePort = 3912;
const env = {
  ...process.env,
  KEY_PREFIX: prefix,
  PORT: String(apiPort),
  LOG_LEVEL: 'warn',
  WORKER_CONCURRENCY: '1',
};

function start(
  args: string[],
  extraEnv: Record<string, string>,
  ready: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let seen = '';
  if (!ready) return Promise.resolve(child); // the caller polls it over HTTP instead
  return new Promise((resolve, reject) => {
    const look = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(ready)) resolve(child);
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${seen}`)));
  });
}

async function waitForHttp(url: string) {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered`);
}

const irisJob = (epochs: number) => ({
  network: {
    inputSize: 4,
    layers: [
      { units: 16, activation: 'relu' },
      { units: 3, activation: 'softmax' },
    ],
    divergence: 'cross_entropy',
  },
  dataset: { builtin: 'iris', subset: 'train' },
  training: { epochs, batchSize: 16, optimizer: 'adam', learningRate: 0.01, seed: 1 },
});

const api = `http://127.0.0.1:${apiPort}`;

// POST a job, then read its event stream until the first epoch event; milliseconds end to end.
async function firstEpochLatency(): Promise<{ ms: number; modelId?: string; id: string }> {
  const t0 = performance.now();
  const posted = await fetch(`${api}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(irisJob(20)),
  });
  const { id } = (await posted.json()) as { id: string };
  const stream = await fetch(`${api}/v1/jobs/${id}/events`);
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let ms = Number.NaN;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
    if (Number.isNaN(ms) && text.includes('event: epoch')) ms = performance.now() - t0;
    if (text.includes('event: done')) break;
  }
  await reader.cancel();
  const modelId = /"modelId":"(\w+)"/.exec(text)?.[1];
  return { ms, id, ...(modelId ? { modelId } : {}) };
}

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

async function load(url: string, body: string) {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: 10,
    duration: 8,
  });
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

export async function runServiceBench() {
  const children: ChildProcess[] = [];
  try {
    children.push(await start(['dist/workers/worker.js'], { LOG_LEVEL: 'info' }, 'worker ready'));
    children.push(await start(['dist/src/api/server.js'], {}, ''));
    children.push(
      await start(
        ['--import', 'tsx', 'bench/bare-server.ts'],
        { PORT: String(barePort) },
        'listening',
      ),
    );
    await waitForHttp(`${api}/healthz`);
    await firstEpochLatency(); // warm-up: thread start, dataset cache, JIT
    const latencies: number[] = [];
    let modelId = '';
    for (let i = 0; i < 20; i++) {
      const run = await firstEpochLatency();
      latencies.push(run.ms);
      modelId = run.modelId ?? modelId;
    }
    const body = JSON.stringify({ inputs: [[5.1, 3.5, 1.4, 0.2]] });
    const predict = await load(`${api}/v1/models/${modelId}/predict`, body);
    const bare = await load(`http://127.0.0.1:${barePort}/predict`, body);
    return {
      firstEpochMs: {
        median: quantile(latencies, 0.5),
        p95: quantile(latencies, 0.95),
        runs: latencies.length,
      },
      predict,
      bare,
      ratio: predict.requestsPerSecond / bare.requestsPerSecond,
    };
  } finally {
    // every process gone before our keys go, so none writes one back
    await Promise.all(
      children.map((c) =>
        c.exitCode === null ? new Promise((r) => c.once('exit', r).kill('SIGTERM')) : null,
      ),
    );
    const redis = connectRedis(loadConfig(env).redisUrl);
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
  }
}
