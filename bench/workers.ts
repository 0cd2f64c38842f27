// Issue 16's scaling figures: 1, 2 and 4 worker processes on this machine against one API and
// one Redis, each round a burst of small jobs posted at once and drained; jobs/s and the queue
// wait (startedAt − createdAt) from the job records GET /v1/jobs answers. The built service
// (dist/), each round on a key prefix of its own, deleted after it. The report is
// bench/workers-report.ts; `npm run bench:workers` (bench/workers-main.ts) writes it.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { cpuSeconds, start, stopAndClean, waitForHttp } from './processes.js';
import { apiCommand } from './service.js';
import { type JobTimes, roundOf, type WorkersRound } from './workers-report.js';

/** Worker processes per round, and jobs per round (BENCH_JOBS=20 for a quick try). */
export const workerCounts = [1, 2, 4];
export const jobsPerRound = Number(process.env.BENCH_JOBS ?? 200);

const apiPort = 3914;
const api = `http://127.0.0.1:${apiPort}`;

/** The small job: the digits' training split (64 pixels, 10 classes), 64-32-10, 10 epochs. */
export const smallJob = {
  network: {
    inputSize: 64,
    layers: [
      { units: 32, activation: 'relu' },
      { units: 10, activation: 'softmax' },
    ],
    divergence: 'cross_entropy',
  },
  dataset: { builtin: 'digits', subset: 'train' },
  training: { epochs: 10, batchSize: 32, optimizer: 'adam', learningRate: 0.01, seed: 1 },
};
export const smallJobWords = 'digits 64-32-10, 10 epochs of the training split';

async function postJob(): Promise<string> {
  const res = await fetch(`${api}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(smallJob),
  });
  if (res.status !== 202)
    throw new Error(`POST /v1/jobs answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

type Listed = JobTimes & { id: string };

// Every job of one status, page by page.
async function listed(status: 'succeeded' | 'failed'): Promise<Listed[]> {
  const all: Listed[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `status=${status}&limit=100${cursor ? `&cursor=${cursor}` : ''}`;
    const page = (await (await fetch(`${api}/v1/jobs?${query}`)).json()) as {
      jobs: Listed[];
      nextCursor: string | null;
    };
    all.push(...page.jobs);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

/** One round: the API and `workers` worker processes on a fresh prefix, a burst, its figures. */
async function round(workers: number, log: (line: string) => void): Promise<WorkersRound> {
  const prefix = `bp:bench:workers:${randomUUID().slice(0, 8)}`;
  const env = {
    ...process.env,
    KEY_PREFIX: prefix,
    PORT: String(apiPort),
    LOG_LEVEL: 'warn',
    WORKER_CONCURRENCY: '1',
  };
  const children: ChildProcess[] = [];
  try {
    // started one after another, each logging that it is ready (info for that line only)
    for (let i = 0; i < workers; i++)
      children.push(
        await start(['dist/workers/worker.js'], { ...env, LOG_LEVEL: 'info' }, 'worker ready'),
      );
    children.push(await start(apiCommand(), env, ''));
    await waitForHttp(`${api}/healthz`);
    const cpu = () => children.reduce((sum, c) => sum + cpuSeconds(c.pid), 0);
    const cpuBefore = cpu();
    // the burst: ten requests at a time
    const ids: string[] = [];
    while (ids.length < jobsPerRound) {
      const batch = Math.min(10, jobsPerRound - ids.length);
      ids.push(...(await Promise.all(Array.from({ length: batch }, postJob))));
    }
    const ours = new Set(ids);
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const done = (await listed('succeeded')).filter((j) => ours.has(j.id));
      const failed = (await listed('failed')).filter((j) => ours.has(j.id));
      if (done.length + failed.length >= jobsPerRound) {
        const figures = roundOf(workers, [...done, ...failed], failed.length, {
          loadAverage: loadavg()[0]!,
          cpuSeconds: cpu() - cpuBefore,
        });
        log(
          `${workers} worker(s): ${figures.jobsPerSecond.toFixed(1)} jobs/s, queue wait p50 ${Math.round(figures.p50WaitMs)} ms, p95 ${Math.round(figures.p95WaitMs)} ms, ${figures.seconds.toFixed(1)} s (posting ${figures.postSeconds.toFixed(1)} s), ${Math.round(figures.cpuMsPerJob)} ms CPU a job, ${failed.length} failed, load average ${figures.loadAverage.toFixed(1)}`,
        );
        return figures;
      }
    }
  } finally {
    await stopAndClean(children, env, prefix);
  }
}

/** Every round, one after another. */
export async function runWorkersBench(
  log: (line: string) => void = () => {},
): Promise<WorkersRound[]> {
  const rounds: WorkersRound[] = [];
  for (const workers of workerCounts) rounds.push(await round(workers, log));
  return rounds;
}
