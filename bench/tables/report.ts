// The `## Real tables` section of BENCHMARKS.md from one run of bench/tables.ts: a summary of
// the headline metric per table (ours at seed 1 against scikit-learn at random_state 1), then a
// table per data set with every metric, seed 1 and the medians over the seeds, and the training
// times. Not here: running anything.
import type { Task } from '../../src/data/index.js';
import type { OurRun } from './service-side.js';
import type { SklearnRun } from './sklearn-side.js';

export interface TableResult {
  file: string;
  label: string;
  task: Task;
  about: string;
  /** Rows kept (a label present), rows dropped for a missing label, rows held out at seed 1. */
  rows: number;
  dropped: number;
  testRows: number;
  /** Column names by the profile's type, the label left out. */
  columns: Record<string, string[]>;
  sklearnWidth: number;
  /** One run per seed, in seed order; absent when only scikit-learn's side ran. */
  ours?: OurRun[];
  sklearn: SklearnRun[];
  /** Regression only: scikit-learn with its target standardized. */
  sklearnScaled?: SklearnRun[];
  /** Seeds whose held-out rows were not the bench's, with what differed. */
  mismatches: string[];
}

export interface TablesRun {
  date: string;
  machine: string;
  sklearn: string;
  seeds: number[];
  results: TableResult[];
}

type Metric = 'r2' | 'mae' | 'rmse' | 'accuracy' | 'macroF1' | 'logLoss';

const metricsOf: Record<Task, { key: Metric; name: string }[]> = {
  regression: [
    { key: 'r2', name: 'R²' },
    { key: 'mae', name: 'MAE' },
    { key: 'rmse', name: 'RMSE' },
  ],
  classification: [
    { key: 'accuracy', name: 'accuracy' },
    { key: 'macroF1', name: 'macro F1' },
    { key: 'logLoss', name: 'log loss' },
  ],
};

/** The metric the bar is on: higher is better. */
export const headline = (task: Task) => metricsOf[task][0]!;

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const ourValue = (run: OurRun, key: Metric) =>
  (run.evaluation as unknown as Record<string, number>)[key]!;
const fmt = (n: number | undefined, digits = 3) => (n === undefined ? '-' : n.toFixed(digits));

interface Row {
  name: string;
  pick: 'first' | 'median';
  ours: boolean;
  value: (key: Metric) => number | undefined;
  time: string;
}

function rowsOf(r: TableResult, seeds: number[]): Row[] {
  const first = seeds[0]!;
  const sk = (runs: SklearnRun[], name: string, pick: 'first' | 'median'): Row => ({
    name,
    pick,
    ours: false,
    value: (key) => (pick === 'first' ? runs[0]![key] : median(runs.map((x) => x[key]!))),
    time: fmt(pick === 'first' ? runs[0]!.fitSeconds : median(runs.map((x) => x.fitSeconds)), 2),
  });
  const ours = (runs: OurRun[], name: string, pick: 'first' | 'median'): Row => {
    const of = (f: (x: OurRun) => number) => (pick === 'first' ? f(runs[0]!) : median(runs.map(f)));
    return {
      name,
      pick,
      ours: true,
      value: (key) => of((x) => ourValue(x, key)),
      time: `${fmt(
        of((x) => x.trainSeconds),
        2,
      )} (${fmt(
        of((x) => x.jobSeconds),
        2,
      )})`,
    };
  };
  const range = `${seeds[0]}–${seeds[seeds.length - 1]}`;
  const rows: Row[] = [];
  for (const pick of ['first', 'median'] as const) {
    const at = pick === 'first' ? `seed ${first}` : `median of seeds ${range}`;
    const atState = pick === 'first' ? `random_state ${first}` : `median of ${range}`;
    if (r.ours) rows.push(ours(r.ours, `ours, ${at}`, pick));
    rows.push(sk(r.sklearn, `scikit-learn, ${atState}`, pick));
    if (r.sklearnScaled)
      rows.push(sk(r.sklearnScaled, `scikit-learn + target scaled, ${atState}`, pick));
  }
  return rows;
}

/** Ours ÷ scikit-learn's on the headline metric, seed 1 against random_state 1. */
export function headlineRatio(r: TableResult, runs = r.sklearn): number | undefined {
  const { key } = headline(r.task);
  return r.ours ? ourValue(r.ours[0]!, key) / runs[0]![key]! : undefined;
}

function tableMarkdown(r: TableResult, seeds: number[]): string {
  const metrics = metricsOf[r.task];
  const { key, name } = headline(r.task);
  const rows = rowsOf(r, seeds);
  const lines = rows.map((row) => {
    // seed 1 against random_state 1, the medians against the medians
    const ours = rows.find((x) => x.ours && x.pick === row.pick);
    const ratio = ours && !row.ours ? (ours.value(key)! / row.value(key)!).toFixed(2) : '';
    const cells = metrics.map((m) => fmt(row.value(m.key)));
    return `| ${row.name} | ${cells.join(' | ')} | ${row.time} | ${ratio} |`;
  });
  const cols = Object.entries(r.columns)
    .filter(([, names]) => names.length > 0)
    .map(([type, names]) => `${type}: ${names.join(', ')}`)
    .join('; ');
  const run = r.ours?.[0];
  const oursLine = run
    ? `Ours at seed ${seeds[0]}: ${run.inputWidth} inputs, layers ${run.layers}; ${run.epochs} epochs (${run.stopReason}).`
    : 'Ours: not run.';
  const mismatch =
    r.mismatches.length > 0 ? `\n**Not like for like: ${r.mismatches.join('; ')}.**\n` : '';
  return `### ${r.file} → ${r.label} (${r.task})

${r.about}. ${r.rows + r.dropped} rows, ${r.dropped} dropped for a blank label, ${r.testRows} of ${r.rows} held out at seed ${seeds[0]}. Columns by our profile (${cols}). scikit-learn's inputs: ${r.sklearnWidth}. ${oursLine}
${mismatch}
| run | ${metrics.map((m) => m.name).join(' | ')} | training s | ${name} ours ÷ this |
|---|${metrics.map(() => '---|').join('')}---|---|
${lines.join('\n')}
`;
}

function summaryLine(r: TableResult): string {
  const { key, name } = headline(r.task);
  const ours = r.ours ? ourValue(r.ours[0]!, key) : undefined;
  const sk = r.sklearn[0]![key]!;
  const ratio = headlineRatio(r);
  const met = ratio === undefined ? '-' : ratio >= 1 ? 'yes' : '**no**';
  const scaled = r.sklearnScaled
    ? `${fmt(r.sklearnScaled[0]!.r2)} (${fmt(headlineRatio(r, r.sklearnScaled), 2)})`
    : '';
  return `| ${r.file} | ${name} | ${fmt(ours)} | ${fmt(sk)} | ${fmt(ratio, 2)} | ${met} | ${scaled} |`;
}

export function tablesSection(run: TablesRun): string {
  const [first] = run.seeds;
  return `## Real tables

Written by \`npm run bench:tables\` (bench/tables.ts). Issue 14's "Must show": each public table
uploaded raw (\`POST /v1/datasets?label=…\`, text/csv) and trained with nothing but
\`{"dataset": {"id"}, "training": {"seed": s}}\`, scored on the rows the job held out
(training.testSplit's default 0.2, stratified for classes, seeded by the job's seed); beside it
scikit-learn's pipeline (bench/tables/sklearn_baseline.py) fitted on the other rows and scored on
the same ones: SimpleImputer(median) + StandardScaler on numbers and on a date's year,
SimpleImputer(most_frequent) + OneHotEncoder(handle_unknown='ignore') on categories and yes/no
columns, the columns our profile calls text or id left out, then MLPRegressor or MLPClassifier
with scikit-learn's defaults. Its defaults leave a regression target raw, where our service
standardizes it: regression tables also show scikit-learn with the target standardized
(TransformedTargetRegressor), the stronger baseline. Seeds ${run.seeds.join(', ')}, scikit-learn's
random_state the same on the same seed's held-out rows; the headline is seed ${first} against
random_state ${first}. Training time: ours is the worker's (the model's metrics.durationMs), with
POST /v1/jobs → succeeded in brackets; scikit-learn's is \`fit\` (preprocessing and training) on
one BLAS thread. The data's sources and licences: bench/data/README.md.

- Date: ${run.date}
- Machine: ${run.machine}
- scikit-learn ${run.sklearn}

| table | headline metric | ours, seed ${first} | scikit-learn, random_state ${first} | ours ÷ scikit-learn | ≥ 1 | scikit-learn + target scaled (ours ÷ it) |
|---|---|---|---|---|---|---|
${run.results.map(summaryLine).join('\n')}

${run.results.map((r) => tableMarkdown(r, run.seeds)).join('\n')}`;
}
