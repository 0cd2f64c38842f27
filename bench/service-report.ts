// The service section of BENCHMARKS.md from one run of bench/service.ts, and writing it on its
// own (`npm run bench:service`) into the file bench/run.ts wrote, keeping the engine tables.
// Not here: running anything (bench/service.ts does).
import { cpus } from 'node:os';
import { withSection } from './markdown-sections.js';
import type { ServiceFigures } from './service.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** "Intel(R) Xeon(R) …, 2 cores, Node v20…": the machine line of both reports. */
export const machineLine = () =>
  `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;

/** The `## Service` section. */
export function serviceSection(service: ServiceFigures, date: string, machine: string): string {
  const lines = service.loads.map((l) => {
    const rowsPerSecond = l.rows > 1 ? ` (${fmt(l.requestsPerSecond * l.rows)} rows/s)` : '';
    const errors = l.errors > 0 ? ` **${l.errors} errors: not a figure**` : '';
    const ratio = l.ratio.toFixed(2);
    const cpu = l.cpuRatio.toFixed(2);
    return `| ${l.name} | ${fmt(l.requestsPerSecond)}${rowsPerSecond}${errors} | ${l.p50Ms} | ${l.p99Ms} | ${ratio} | ${l.cpuMicrosPerRequest.toFixed(0)} | ${cpu} |`;
  });
  const { median, p95, runs } = service.firstEpochMs;
  return `## Service

Written by \`npm run bench:service\` (also the last part of \`npm run bench\`; bench/service.ts).
API and one worker process (concurrency 1) against local Redis, without API keys, logs at warn;
each server in its own process, autocannon in the bench's own, all on this machine${service.pinned ? ' (the servers pinned to core 0, autocannon to core 1, with taskset)' : ''}. Each route
gets ${service.load.connections} connections for ${service.load.seconds} s after 2 s of the same load, one route after
another, on an iris model (4-16-3), in ${service.rounds} rounds: each figure is the median over the rounds, and
each ratio the median of the rounds' ratios to the same round's bare route. The API runs as
\`npm run start:api\` starts it (\`--max-semi-space-size=64\`), the bare route with Node's defaults.
Target of issue 12: every one-row route ≥ 0.70 of the bare route's requests/s, with p99 < 5 ms.
The server's CPU time per request (from /proc) is steadier than requests/s where other work
shares the machine.

- Date: ${date}
- Machine: ${machine}
- POST /v1/jobs → first epoch event (idle worker, iris 4-16-3), median of ${runs}: ${median.toFixed(1)} ms (p95 ${p95.toFixed(1)} ms)

| route and body | requests/s | p50 ms | p99 ms | requests/s ÷ bare | server CPU µs/request | CPU ÷ bare |
|---|---|---|---|---|---|---|
${lines.join('\n')}
`;
}

/** `markdown` with its service section replaced by `section`, the sections after it kept. */
export function withServiceSection(markdown: string, section: string): string {
  return withSection(markdown, 'Service', section);
}
