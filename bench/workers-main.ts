// `npm run bench:workers`: the worker-scaling figures alone (bench/workers.ts, a few minutes);
// they replace the `## Workers` section of BENCHMARKS.md and `workers` in bench/results.json,
// and nothing else.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { withSection } from './markdown-sections.js';
import { machineLine } from './service-report.js';
import { runWorkersBench, smallJobWords } from './workers.js';
import { type WorkersRun, workersSection } from './workers-report.js';

const rounds = await runWorkersBench((line) => process.stdout.write(`${line}\n`));
const run: WorkersRun = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${machineLine()}, nproc ${availableParallelism()}`,
  job: smallJobWords,
  rounds,
};
const results = existsSync('bench/results.json')
  ? (JSON.parse(readFileSync('bench/results.json', 'utf8')) as Record<string, unknown>)
  : {};
writeFileSync('bench/results.json', `${JSON.stringify({ ...results, workers: run }, null, 2)}\n`);
const markdown = existsSync('BENCHMARKS.md')
  ? readFileSync('BENCHMARKS.md', 'utf8')
  : '# Benchmarks\n';
writeFileSync('BENCHMARKS.md', withSection(markdown, 'Workers', workersSection(run)));
