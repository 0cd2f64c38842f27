// Service figures: latency from POST /v1/jobs to the first epoch event with an idle worker, and
// predict under autocannon (our route, OIP v2 infer, TF Serving predict, a 100-row predict) beside
// a bare Fastify JSON POST route in the same run, each server in its own process, against the
// real Redis at REDIS_URL under a key prefix of its own. The report is bench/service-report.ts.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import {
  cpuSeconds,
  pinToCore,
  start as spawnServer,
  stopAndClean,
  waitForHttp,
} from './processes.js';

const start = (args: string[], extraEnv: Record<string, string>, ready: string) =>
  spawnServer(args, { ...env, ...extraEnv }, ready);

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

/** autocannon's load: the figures were taken with 50 connections for 10 s. */
export const load = { connections: 50, seconds: 10 };

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

/** The API process's node arguments as `npm run start:api` gives them (its Node flags too). */
export function apiCommand(): string[] {
  const scripts = (
    JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const [node, ...args] = scripts['start:api']!.split(/\s+/);
  if (node !== 'node')
    throw new Error(`start:api does not start with node: ${scripts['start:api']}`);
  return args;
}

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

export interface LoadResult {
  name: string;
  rows: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * CPU time the server process spent per request (user + system, from /proc; NaN elsewhere):
   * steadier than requests/s on a machine other work shares.
   */
  cpuMicrosPerRequest: number;
  /** Errors and answers other than 2xx: a row with any is not a figure. */
  errors: number;
  /** requestsPerSecond ÷ the bare route's, in the same round. */
  ratio: number;
  /** cpuMicrosPerRequest ÷ the bare route's, in the same round. */
  cpuRatio: number;
}

/**
 * Rounds of every route, one after another: each figure is the median over the rounds, each
 * ratio the median of every round's ratio to that round's bare route, so a slow minute of a
 * shared machine weighs on one round's pair, not on one route.
 */
export const rounds = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One route's figures over the rounds (`bare`: the bare route's, round by round). */
function overRounds(runs: LoadResult[], bare: LoadResult[]): LoadResult {
  const of = (f: (l: LoadResult, i: number) => number) => median(runs.map(f));
  return {
    name: runs[0]!.name,
    rows: runs[0]!.rows,
    requestsPerSecond: of((l) => l.requestsPerSecond),
    p50Ms: of((l) => l.p50Ms),
    p99Ms: of((l) => l.p99Ms),
    cpuMicrosPerRequest: of((l) => l.cpuMicrosPerRequest),
    errors: runs.reduce((sum, l) => sum + l.errors, 0),
    ratio: of((l, i) => l.requestsPerSecond / bare[i]!.requestsPerSecond),
    cpuRatio: of((l, i) => l.cpuMicrosPerRequest / bare[i]!.cpuMicrosPerRequest),
  };
}

const post = (url: string, body: unknown, seconds: number) =>
  autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    connections: load.connections,
    duration: seconds,
  });

// Each route gets two seconds of the same load first (JIT, caches), then is measured.
async function measure(
  server: ChildProcess,
  [name, url, body, rows = 1]: LoadRun,
): Promise<Omit<LoadResult, 'ratio' | 'cpuRatio'>> {
  await post(url, body, 2);
  const cpuBefore = cpuSeconds(server.pid);
  const result = await post(url, body, load.seconds);
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  return {
    name,
    rows,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuMicrosPerRequest: (cpu * 1e6) / result.requests.total,
    errors: result.errors + result.non2xx,
  };
}

const row = [5.1, 3.5, 1.4, 0.2];
const hundredRows = Array.from({ length: 100 }, (_, i) => row.map((v) => v + (i % 7) * 0.1));

/** The routes under load, one after another: the bare route first, as the yardstick. */
type LoadRun = [name: string, url: string, body: unknown, rows?: number];

function loadRuns(modelId: string): LoadRun[] {
  return [
    ['bare Fastify JSON POST route', `http://127.0.0.1:${barePort}/predict`, { inputs: [row] }],
    [
      'POST /v1/models/:id/predict, 1 row',
      `${api}/v1/models/${modelId}/predict`,
      { inputs: [row] },
    ],
    [
      'POST /v2/models/:id/infer (OIP v2), 1 row',
      `${api}/v2/models/${modelId}/infer`,
      { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: row }] },
    ],
    [
      'POST /v1/models/:id:predict (TF Serving), 1 row',
      `${api}/v1/models/${modelId}:predict`,
      { instances: [row] },
    ],
    [
      'POST /v1/models/:id/predict, 100 rows',
      `${api}/v1/models/${modelId}/predict`,
      { inputs: hundredRows },
      100,
    ],
  ];
}

/**
 * `profileDir`: the API process writes a V8 CPU profile there when it exits (node --cpu-prof),
 * for Chrome DevTools or speedscope.
 */
export async function runServiceBench(profileDir?: string) {
  const children: ChildProcess[] = [];
  try {
    children.push(await start(['dist/workers/worker.js'], { LOG_LEVEL: 'info' }, 'worker ready'));
    const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const apiServer = await start([...profile, ...apiCommand()], {}, '');
    const bareServer = await start(
      ['--import', 'tsx', 'bench/bare-server.ts'],
      { PORT: String(barePort) },
      'listening',
    );
    children.push(apiServer, bareServer);
    await waitForHttp(`${api}/healthz`);
    await firstEpochLatency(); // warm-up: thread start, dataset cache, JIT
    const latencies: number[] = [];
    let modelId = '';
    for (let i = 0; i < 20; i++) {
      const run = await firstEpochLatency();
      latencies.push(run.ms);
      modelId = run.modelId ?? modelId;
    }
    // the servers on core 0, autocannon (this process) on core 1
    const pinned = [apiServer.pid, bareServer.pid, process.pid].every((pid, i) =>
      pinToCore(pid, i < 2 ? 0 : 1),
    );
    const byRound: LoadResult[][] = [];
    for (let round = 0; round < rounds; round++) {
      const loads: LoadResult[] = [];
      for (const run of loadRuns(modelId)) {
        const server = run[1].includes(`:${barePort}/`) ? bareServer : apiServer;
        loads.push({ ...(await measure(server, run)), ratio: Number.NaN, cpuRatio: Number.NaN });
      }
      byRound.push(loads);
    }
    const bare = byRound.map((loads) => loads[0]!);
    const loads = byRound[0]!.map((_, i) =>
      overRounds(
        byRound.map((loads) => loads[i]!),
        bare,
      ),
    );
    return {
      firstEpochMs: {
        median: quantile(latencies, 0.5),
        p95: quantile(latencies, 0.95),
        runs: latencies.length,
      },
      load,
      rounds,
      pinned,
      loads,
    };
  } finally {
    await stopAndClean(children, env, prefix);
  }
}

export type ServiceFigures = Awaited<ReturnType<typeof runServiceBench>>;
