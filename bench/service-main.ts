// `npm run bench:service`: the service figures alone (bench/service.ts, about two minutes); they
// replace the service part of bench/results.json and BENCHMARKS.md, leaving the engine tables.
// `npm run bench:service -- --cpu-prof=DIR` also writes the API process's CPU profile into DIR.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { runServiceBench } from './service.js';
import { machineLine, serviceSection, withServiceSection } from './service-report.js';

const profileDir = process.argv.find((a) => a.startsWith('--cpu-prof='))?.slice(11);
const service = await runServiceBench(profileDir);
const date = new Date().toISOString().slice(0, 10);
const machine = machineLine();
for (const l of service.loads)
  process.stdout.write(
    `${l.name.padEnd(48)} ${Math.round(l.requestsPerSecond).toString().padStart(7)} req/s (${l.ratio.toFixed(2)} of bare)  p50 ${l.p50Ms} ms  p99 ${l.p99Ms} ms  ${l.cpuMicrosPerRequest.toFixed(1)} µs CPU/request  errors ${l.errors}\n`,
  );
const results = existsSync('bench/results.json')
  ? (JSON.parse(readFileSync('bench/results.json', 'utf8')) as Record<string, unknown>)
  : {};
writeFileSync(
  'bench/results.json',
  `${JSON.stringify({ ...results, service: { date, machine, ...service } }, null, 2)}\n`,
);
const markdown = existsSync('BENCHMARKS.md')
  ? readFileSync('BENCHMARKS.md', 'utf8')
  : '# Benchmarks\n';
writeFileSync(
  'BENCHMARKS.md',
  withServiceSection(markdown, serviceSection(service, date, machine)),
);
