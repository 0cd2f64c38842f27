// The `## Workers` section of BENCHMARKS.md from one run of bench/workers.ts (issue 16: 1, 2 and
// 4 worker processes against one API and one Redis), and the figures of one round made from the
// job records. Pure: no processes, no I/O (bench/workers.ts runs them).

/** A job record's times, as GET /v1/jobs answers them (ISO 8601). */
export interface JobTimes {
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

/** One round: `workers` processes draining the same burst of jobs. */
export interface WorkersRound {
  workers: number;
  jobs: number;
  failed: number;
  /** Jobs finished a second, from the first job's creation to the last one's end. */
  jobsPerSecond: number;
  /** Queue wait (startedAt − createdAt), milliseconds. */
  p50WaitMs: number;
  p95WaitMs: number;
  /** Seconds from the first job's creation to the last one's end. */
  seconds: number;
  /** Seconds from the first job's creation to the last one's: how long the burst took to post. */
  postSeconds: number;
  /** The machine's 1-minute load average as the round ended: other work sharing the cores. */
  loadAverage: number;
  /** CPU time the API and worker processes used a job (user + system, from /proc), milliseconds. */
  cpuMsPerJob: number;
}

/** What the runner measured of the machine during a round. */
export interface RoundMachine {
  loadAverage: number;
  /** CPU seconds the API and worker processes used from the first post to the last finish. */
  cpuSeconds: number;
}

export interface WorkersRun {
  date: string;
  machine: string;
  /** What each job trains, in words. */
  job: string;
  rounds: WorkersRound[];
}

/** The q-quantile of `xs` (nearest rank: the smallest value with at least q of them at or below it). */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A round's figures from its job records (`failed`: how many did not succeed). */
export function roundOf(
  workers: number,
  records: readonly JobTimes[],
  failed: number,
  machine: RoundMachine,
): WorkersRound {
  const ms = (iso: string) => Date.parse(iso);
  const started = records.filter((r) => r.startedAt !== undefined);
  const waits = started.map((r) => ms(r.startedAt!) - ms(r.createdAt));
  const first = Math.min(...records.map((r) => ms(r.createdAt)));
  const last = Math.max(...records.map((r) => ms(r.finishedAt ?? r.createdAt)));
  const lastCreated = Math.max(...records.map((r) => ms(r.createdAt)));
  const seconds = (last - first) / 1000;
  return {
    workers,
    jobs: records.length,
    failed,
    jobsPerSecond: seconds > 0 ? records.length / seconds : Number.NaN,
    p50WaitMs: quantile(waits, 0.5),
    p95WaitMs: quantile(waits, 0.95),
    seconds,
    postSeconds: (lastCreated - first) / 1000,
    loadAverage: machine.loadAverage,
    cpuMsPerJob: (machine.cpuSeconds * 1000) / records.length,
  };
}

/** The `## Workers` section. */
export function workersSection(run: WorkersRun): string {
  const one = run.rounds.find((r) => r.workers === 1);
  const lines = run.rounds.map((r) => {
    const speedup = one ? `${(r.jobsPerSecond / one.jobsPerSecond).toFixed(2)}×` : '-';
    const failed = r.failed > 0 ? ` **${r.failed} failed: not a figure**` : '';
    return `| ${r.workers} | ${r.jobs}${failed} | ${r.jobsPerSecond.toFixed(1)} | ${speedup} | ${Math.round(r.p50WaitMs)} | ${Math.round(r.p95WaitMs)} | ${r.seconds.toFixed(1)} | ${r.postSeconds.toFixed(1)} | ${Math.round(r.cpuMsPerJob)} | ${((r.cpuMsPerJob * r.jobsPerSecond) / 1000).toFixed(2)} | ${r.loadAverage.toFixed(1)} |`;
  });
  return `## Workers

Written by \`npm run bench:workers\` (also part of \`npm run bench\`; bench/workers.ts). One API
process and N worker processes (\`WORKER_CONCURRENCY=1\` each, logs at warn) on this machine
against one local Redis, each round on a key prefix of its own. A round posts a burst of
${run.rounds[0]?.jobs ?? 0} small jobs (${run.job}), ten requests at a time while the workers already wait,
and waits until every one has finished. From the job records (GET /v1/jobs): jobs/s = jobs ÷
the seconds from the first job's \`createdAt\` to the last one's \`finishedAt\`; queue wait =
each job's \`startedAt − createdAt\` (a burst: the last jobs wait for all those before them);
posting = the seconds from the first \`createdAt\` to the last. From /proc: the CPU time the API
and worker processes used a job, and the cores that makes on average over the round. Load: the
machine's 1-minute load average as the round ended. The processes share the machine's cores:
more worker processes add speed only while cores are idle; with the load above the core count
(other work on the machine) a round gets only the cores-used share, and the figures are below
what the machine alone gives.

- Date: ${run.date}
- Machine: ${run.machine}

| worker processes | jobs | jobs/s | ÷ 1 worker | p50 queue wait ms | p95 queue wait ms | seconds | posting s | CPU ms a job | cores used | load |
|---|---|---|---|---|---|---|---|---|---|---|
${lines.join('\n')}
`;
}
