// `npm run bench`: our engine and its peers (tfjs wasm, with one thread and with two, tfjs cpu,
// brain.js) on W1–W4, each framework in a process of its own (bench/peers/*.ts: one warm-up,
// median of three), then the service figures (bench/service.ts); writes bench/results.json and
// BENCHMARKS.md with the date and machine. `npm run bench -- W2 W4` runs only those workloads
// and skips the service.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Row } from './peers/common.js';
import { workloads } from './workloads.js';

const only = process.argv.slice(2).filter((a) => /^W\d$/.test(a));
const names = only.length > 0 ? only : workloads.map((w) => w.name);

const peers: [string, string[]][] = [
  ['engine', []],
  ['engine', ['--threads=2']],
  ['tfjs', ['wasm']],
  ['tfjs', ['wasm', '--threads=2']],
  ['tfjs', ['cpu']],
  ['brain', []],
];

const rows: Row[] = [];
for (const [script, args] of peers) {
  const start = performance.now();
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', `bench/peers/${script}.ts`, ...args, ...names],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  const found = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Row);
  if (found.length === 0)
    process.stderr.write(
      `${script} ${args.join(' ')} gave no results:\n${run.stderr.slice(-2000)}\n`,
    );
  for (const r of found) {
    process.stdout.write(
      `${r.workload}  ${r.framework.padEnd(34)} ${Math.round(r.samplesPerSecond).toLocaleString('en-US').padStart(10)} samples/s\n`,
    );
  }
  rows.push(...found);
  process.stdout.write(
    `(${script} ${args.join(' ')}: ${((performance.now() - start) / 1000).toFixed(0)} s)\n`,
  );
}

const service = only.length === 0 ? await (await import('./service.js')).runServiceBench() : null;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ours = (w: string) =>
  rows.find((r) => r.workload === w && r.framework.startsWith('backprop-service'));
const tables = names
  .map((name) => {
    const w = workloads.find((x) => x.name === name)!;
    const mine = ours(name);
    const lines = rows
      .filter((r) => r.workload === name)
      .map((r) => {
        const oursToo = r.framework.startsWith('backprop-service');
        const ratio =
          mine && !oursToo ? `${(mine.samplesPerSecond / r.samplesPerSecond).toFixed(1)}×` : '';
        const note =
          mine && oursToo && r !== mine
            ? `${(r.samplesPerSecond / mine.samplesPerSecond).toFixed(2)}× one thread`
            : (r.note ?? '');
        return `| ${r.framework} | ${fmt(r.samplesPerSecond)} | ${r.gflops.toFixed(2)} | ${ratio} | ${note} |`;
      });
    return `### ${name}: ${w.description}\n\n| framework | samples/s | effective GFLOP/s | ours ÷ this | note |\n|---|---|---|---|---|\n${lines.join('\n')}\n`;
  })
  .join('\n');

const version = (pkg: string) =>
  (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string })
    .version;
const versions = {
  '@tensorflow/tfjs-core': version('@tensorflow/tfjs-core'),
  '@tensorflow/tfjs-layers': version('@tensorflow/tfjs-layers'),
  '@tensorflow/tfjs-backend-cpu': version('@tensorflow/tfjs-backend-cpu'),
  '@tensorflow/tfjs-backend-wasm': version('@tensorflow/tfjs-backend-wasm'),
  'brain.js': version('brain.js'),
};
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
const date = new Date().toISOString().slice(0, 10);
writeFileSync(
  'bench/results.json',
  `${JSON.stringify({ date, machine, versions, rows, service }, null, 2)}\n`,
);

const serviceSection = service
  ? `
## Service

API and one worker process (concurrency 1) against local Redis; each server in its own process;
autocannon, 10 connections, 8 s, one-row iris predict body.

| figure | value |
|---|---|
| POST /v1/jobs → first epoch event (idle worker, iris 4-16-3), median of ${service.firstEpochMs.runs} | ${service.firstEpochMs.median.toFixed(1)} ms (p95 ${service.firstEpochMs.p95.toFixed(1)} ms) |
| POST /v1/models/:id/predict | ${fmt(service.predict.requestsPerSecond)} req/s, p99 ${service.predict.p99Ms} ms |
| bare Fastify POST route (peer, same run) | ${fmt(service.bare.requestsPerSecond)} req/s, p99 ${service.bare.p99Ms} ms |
| predict ÷ bare | ${service.ratio.toFixed(2)} |
`
  : '';

writeFileSync(
  'BENCHMARKS.md',
  `# Benchmarks

Written by \`npm run bench\` (bench/run.ts). Training throughput on the speed issue's workloads:
float32, synthetic data from a fixed seed (random labels: speed is what is measured), SGD at
learning rate 0.01, one epoch (W4: 200 full-batch epochs) after a warm-up, median of three runs,
one thread unless a row says otherwise, each framework in its own process. Effective GFLOP/s =
6 × weight-matrix entries × samples / seconds. "ours ÷ this" is our samples/s over the peer's,
in the same run.

- Date: ${date}
- Machine: ${machine}
- Peers: @tensorflow/tfjs-core ${versions['@tensorflow/tfjs-core']} with the wasm backend (SIMD; one
  thread, and two threads through a workaround, bench/peers/wasm-threads.ts) and the cpu
  backend, each trained the faster of two ways measured here (tfjs-core optimizer.minimize
  rather than tfjs-layers model.fit: the note says which); brain.js ${versions['brain.js']} (per-sample
  SGD: the batch size does not apply; its output layer uses the hidden activation, squared
  error).
  A note on a capped row gives the samples it trained per epoch.

${tables}${serviceSection}`,
);
