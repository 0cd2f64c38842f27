// `npm run bench`: our engine on W1–W4 (warm-up excluded, median of three timed runs), then the
// service figures (bench/service.ts), written to bench/results.json and BENCHMARKS.md with the
// date and machine. `npm run bench -- W2 W4` runs only those workloads and skips the service.
// Engine peers (tfjs, brain.js) join the table with the speed issue, each in its own process.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { bestKernel, defaultTrainOptions, train } from '../src/engine/index.js';
import { syntheticData, type Workload, weightCount, workloads } from './workloads.js';

interface Row {
  workload: string;
  description: string;
  samplesPerSecond: number;
  gflops: number;
  runsSeconds: number[];
}

function timeOnce(w: Workload, data: ReturnType<typeof syntheticData>): number {
  const start = performance.now();
  train(w.shape, data, {
    ...defaultTrainOptions,
    epochs: w.epochs,
    batchSize: w.batchSize,
    learningRate: w.learningRate,
    tolerance: 0,
    standardize: false,
    seed: 1,
  });
  return (performance.now() - start) / 1000;
}

function measure(w: Workload): Row {
  const data = syntheticData(w);
  timeOnce(w, data); // warm-up: JIT and caches
  const runs = [timeOnce(w, data), timeOnce(w, data), timeOnce(w, data)];
  const median = [...runs].sort((a, b) => a - b)[1]!;
  const samples = w.samples * w.epochs;
  return {
    workload: w.name,
    description: w.description,
    samplesPerSecond: samples / median,
    gflops: (6 * weightCount(w.shape) * samples) / median / 1e9,
    runsSeconds: runs,
  };
}

const only = process.argv.slice(2);
const rows = workloads
  .filter((w) => only.length === 0 || only.includes(w.name))
  .map((w) => {
    const row = measure(w);
    process.stdout.write(
      `${row.workload}  ${Math.round(row.samplesPerSecond).toLocaleString('en-US')} samples/s  ${row.gflops.toFixed(2)} GFLOP/s\n`,
    );
    return row;
  });

// Loaded only now: importing the service's libraries (ioredis, fastify, pino) slows the engine in
// the same process by about 15%, so the engine is measured in a process that has not loaded them.
const service = only.length === 0 ? await (await import('./service.js')).runServiceBench() : null;
if (service) {
  process.stdout.write(
    `first epoch event ${service.firstEpochMs.median.toFixed(0)} ms (median), predict ${Math.round(service.predict.requestsPerSecond)} req/s p99 ${service.predict.p99Ms} ms, bare ${Math.round(service.bare.requestsPerSecond)} req/s\n`,
  );
}

const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
const date = new Date().toISOString().slice(0, 10);
writeFileSync(
  'bench/results.json',
  `${JSON.stringify({ date, machine, kernel: bestKernel(), rows, service }, null, 2)}\n`,
);
const table = rows
  .map(
    (r) =>
      `| ${r.workload} | ${r.description} | ${Math.round(r.samplesPerSecond).toLocaleString('en-US')} | ${r.gflops.toFixed(2)} |`,
  )
  .join('\n');
const serviceSection = service
  ? `
## Service

API and one worker process (concurrency 1) against local Redis; each server in its own process;
autocannon, 10 connections, 8 s, one-row iris predict body.

| figure | value |
|---|---|
| POST /v1/jobs → first epoch event (idle worker, iris 4-16-3), median of ${service.firstEpochMs.runs} | ${service.firstEpochMs.median.toFixed(1)} ms (p95 ${service.firstEpochMs.p95.toFixed(1)} ms) |
| POST /v1/models/:id/predict | ${Math.round(service.predict.requestsPerSecond).toLocaleString('en-US')} req/s, p99 ${service.predict.p99Ms} ms |
| bare Fastify POST route (peer, same run) | ${Math.round(service.bare.requestsPerSecond).toLocaleString('en-US')} req/s, p99 ${service.bare.p99Ms} ms |
| predict / bare | ${service.ratio.toFixed(2)} |
`
  : '';
writeFileSync(
  'BENCHMARKS.md',
  `# Benchmarks

Written by \`npm run bench\` (bench/run.ts): training throughput of our engine on the workloads of
the speed issue, float32, synthetic data from a fixed seed, one epoch (W4: 200 full-batch
epochs) after a warm-up, median of three runs, one thread.

- Date: ${date}
- Machine: ${machine}
- Kernel: ${bestKernel()} (src/engine/kernels.ts; the TypeScript fallback is src/engine/matrix.ts)

| workload | network | samples/s | effective GFLOP/s |
|---|---|---|---|
${table}

Effective GFLOP/s = 6 × weight-matrix entries × samples / seconds.

Peers (tfjs cpu and wasm backends, brain.js) are not in this run yet: measuring them beside us in
the same run, with ratios, is the speed issue's work.
${serviceSection}`,
);
