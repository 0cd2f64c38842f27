// `npm run bench:tables`: issue 14's side-by-side on real tables. For each table of
// bench/tables/datasets.ts, the built service (API + one worker, local Redis under a key prefix of
// its own) trains on the raw upload with seeds 1, 2, 3, and scikit-learn's pipeline
// (bench/tables/sklearn_baseline.py) is fitted and scored on the same held-out rows with
// random_state 1, 2, 3, one after the other so neither shares the cores; writes the
// `## Real tables` section of BENCHMARKS.md and `tables` in bench/results.json, and nothing else.
// `npm run bench:tables -- --sklearn-only` runs scikit-learn's side alone and prints the section
// without writing it (no service, no build needed).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { withSection } from './markdown-sections.js';
import { machineLine } from './service-report.js';
import { benchTables } from './tables/datasets.js';
import { heldOutRows } from './tables/held-out.js';
import { type ReadTable, readBenchTable } from './tables/read-table.js';
import { type TableResult, type TablesRun, tablesSection } from './tables/report.js';
import { rowsMismatch } from './tables/same-rows.js';
import {
  type OurRun,
  type Service,
  startService,
  trainAndEvaluate,
  upload,
} from './tables/service-side.js';
import { requirePython, runSklearn, type SklearnResult } from './tables/sklearn-side.js';

const seeds = [1, 2, 3];
const sklearnOnly = process.argv.includes('--sklearn-only');

const python = requirePython();

const say = (line: string) => process.stdout.write(`${line}\n`);
let sklearnVersion = '';

function columnsByType(read: ReadTable): Record<string, string[]> {
  const byType: Record<string, string[]> = {};
  for (const [name, type] of Object.entries(read.types)) {
    if (name !== read.table.label) byType[type] = [...(byType[type] ?? []), name];
  }
  return byType;
}

async function benchTable(read: ReadTable, service?: Service): Promise<TableResult> {
  const { table } = read;
  const datasetId = service ? await upload(service, read.text, table.label) : '';
  const ours: OurRun[] = [];
  const sklearn: SklearnResult[] = [];
  const scaled: SklearnResult[] = [];
  const mismatches: string[] = [];
  let testRows = 0;
  for (const seed of seeds) {
    const test = heldOutRows(read.labels, table.task, seed);
    if (seed === seeds[0]) testRows = test.length;
    if (service) {
      const run = await trainAndEvaluate(service, datasetId, seed);
      ours.push(run);
      const differs = rowsMismatch(run.evaluation, read.labels, test);
      if (differs) mismatches.push(`seed ${seed}: ${differs}`);
      say(`${table.file} seed ${seed}: ours ${JSON.stringify(headlineOf(run))}`);
    }
    sklearn.push(runSklearn(python, read, test, [seed]));
    if (table.task === 'regression') scaled.push(runSklearn(python, read, test, [seed], true));
    say(`${table.file} random_state ${seed}: scikit-learn ${JSON.stringify(sklearn.at(-1)!.runs)}`);
  }
  sklearnVersion = sklearn[0]!.sklearn;
  return {
    file: table.file,
    label: table.label,
    task: table.task,
    about: table.about,
    rows: read.labels.length,
    dropped: read.dropped,
    testRows,
    columns: columnsByType(read),
    sklearnWidth: sklearn[0]!.inputWidth,
    ...(service ? { ours } : {}),
    sklearn: sklearn.map((s) => s.runs[0]!),
    ...(scaled.length > 0 ? { sklearnScaled: scaled.map((s) => s.runs[0]!) } : {}),
    mismatches,
  };
}

function headlineOf(run: OurRun) {
  const e = run.evaluation;
  return e.task === 'regression'
    ? { r2: e.r2, mae: e.mae, trainSeconds: run.trainSeconds }
    : { accuracy: e.accuracy, macroF1: e.macroF1, trainSeconds: run.trainSeconds };
}

const service = sklearnOnly ? undefined : await startService();
const results: TableResult[] = [];
try {
  for (const table of benchTables) results.push(await benchTable(readBenchTable(table), service));
} finally {
  await service?.stop();
}

const run: TablesRun = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${machineLine()}, nproc ${availableParallelism()}`,
  sklearn: sklearnVersion,
  seeds,
  results,
};
const section = tablesSection(run);
if (sklearnOnly) {
  say(`\n${section}`);
} else {
  const stored = existsSync('bench/results.json')
    ? (JSON.parse(readFileSync('bench/results.json', 'utf8')) as Record<string, unknown>)
    : {};
  writeFileSync('bench/results.json', `${JSON.stringify({ ...stored, tables: run }, null, 2)}\n`);
  const markdown = existsSync('BENCHMARKS.md')
    ? readFileSync('BENCHMARKS.md', 'utf8')
    : '# Benchmarks\n';
  writeFileSync('BENCHMARKS.md', withSection(markdown, 'Real tables', section));
  for (const r of results) {
    if (r.mismatches.length > 0) process.stderr.write(`${r.file}: ${r.mismatches.join('; ')}\n`);
  }
}
