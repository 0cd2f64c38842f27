// `npm run bench:sweeps`: issue 17's bar for sweeps on public classification tables
// (bench/tables/datasets.ts): a 30-trial random sweep with ASHA against the same 30 trials
// without early stopping (both run locally by `backprop sweep`'s runner, src/cli/sweep-local.ts),
// and scikit-learn's RandomizedSearchCV over MLPClassifier with the same budget of trials
// (bench/sweeps/sklearn_search.py), all scored on the same held-out rows. Writes the `## Sweeps`
// section of BENCHMARKS.md and bench/results-sweeps.json, nothing else.
// `npm run bench:sweeps -- --seeds 1,2` runs fewer seeds (default 1 to 5).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { type LocalSweepResult, runLocalSweep } from '../src/cli/sweep-local.js';
import type { SweepInput } from '../src/spec/index.js';
import { withSection } from './markdown-sections.js';
import { machineLine } from './service-report.js';
import {
  type OurSweep,
  type SeedResult,
  type SweepsRun,
  sweepsSection,
  type TableSweeps,
} from './sweeps/report.js';
import { runSklearnSearch } from './sweeps/sklearn-side.js';
import { benchTables } from './tables/datasets.js';
import { heldOutRows } from './tables/held-out.js';
import { readBenchTable } from './tables/read-table.js';
import { rowsMismatch } from './tables/same-rows.js';
import { requirePython } from './tables/sklearn-side.js';

const seedsArg = process.argv[process.argv.indexOf('--seeds') + 1];
const seeds = process.argv.includes('--seeds') ? seedsArg!.split(',').map(Number) : [1, 2, 3, 4, 5];
const threads = Math.min(4, availableParallelism());

// The sweep both of ours run, earlyStopping aside: the space scikit-learn draws from too.
const trials = 30;
const epochs = 100;
const patience = 20;
const validationSplit = 0.15;
const asha = { method: 'asha' as const, minEpochs: 5, reductionFactor: 3 };

function sweepOf(file: string, label: string, seed: number, early: boolean): SweepInput {
  return {
    spec: {
      dataset: { csv: file, label },
      network: { layers: [{ units: 64, activation: 'relu' }] },
      training: {
        epochs,
        optimizer: 'adam',
        batchSize: 32,
        patience,
        validationSplit,
        testSplit: 0.2,
        standardize: false, // the table's preprocessing standardises numbers already
        seed,
      },
    },
    parameters: {
      'training.learningRate': { logUniform: [1e-4, 1e-1] },
      'network.layers.0.units': { intUniform: [8, 128] },
      'training.batchSize': { values: [16, 32, 64, 128] },
      'training.weightDecay': { logUniform: [1e-5, 1e-1] },
    },
    method: 'random',
    trials,
    parallel: threads,
    objective: { metric: 'validationError', goal: 'minimize' },
    ...(early ? { earlyStopping: asha } : {}),
  };
}

const python = requirePython();
const say = (line: string) => process.stdout.write(`${line}\n`);

function ourSweep(r: LocalSweepResult): OurSweep {
  const test = r.bestModel?.metrics.test;
  return {
    epochs: r.view.trials.reduce((n, t) => n + t.epochs, 0),
    wallSeconds: r.wallMs / 1000,
    threads: r.threads,
    counts: r.view.counts,
    trials: r.view.trials.map(({ index, status, epochs, metric }) => ({
      index,
      status,
      epochs,
      metric,
    })),
    best: r.view.best
      ? {
          index: r.view.best.index,
          params: r.view.best.params,
          validationError: r.view.best.metric,
        }
      : null,
    test: test
      ? {
          rows: test.rows,
          ...(test.accuracy !== undefined ? { accuracy: test.accuracy } : {}),
          ...(test.logLoss !== undefined ? { logLoss: test.logLoss } : {}),
          ...(test.macroF1 !== undefined ? { macroF1: test.macroF1 } : {}),
        }
      : null,
  };
}

const tables: TableSweeps[] = [];
let sklearnVersion = '';
for (const table of benchTables.filter((t) => t.task === 'classification')) {
  const read = readBenchTable(table);
  const results: SeedResult[] = [];
  for (const seed of seeds) {
    const test = heldOutRows(read.labels, table.task, seed);
    const run = (early: boolean) =>
      runLocalSweep(sweepOf(table.file, table.label, seed, early), {
        baseDir: process.cwd(),
        threads,
      });
    const withAsha = await run(true);
    const full = await run(false);
    const evaluation = withAsha.bestModel?.evaluation;
    const mismatch = evaluation ? rowsMismatch(evaluation, read.labels, test) : 'no best model';
    const sklearn = runSklearnSearch(python, read, test, seed, { trials, epochs, validationSplit });
    sklearnVersion = sklearn.sklearn;
    const result: SeedResult = {
      seed,
      asha: ourSweep(withAsha),
      full: ourSweep(full),
      sklearn,
      ...(mismatch ? { mismatch } : {}),
    };
    results.push(result);
    say(
      `${table.file} seed ${seed}: accuracy ASHA ${result.asha.test?.accuracy} full ${result.full.test?.accuracy} scikit-learn ${sklearn.accuracy}; epochs ASHA ${result.asha.epochs} full ${result.full.epochs}; wall ${result.asha.wallSeconds.toFixed(1)} s / ${result.full.wallSeconds.toFixed(1)} s / ${sklearn.searchSeconds.toFixed(1)} s`,
    );
  }
  tables.push({ file: table.file, label: table.label, rows: read.labels.length, seeds: results });
}

const sweepsRun: SweepsRun = {
  date: new Date().toISOString().slice(0, 10),
  // the cores may be shared: wall times mean little when the load is above nproc
  machine: `${machineLine()}, nproc ${availableParallelism()}, 15-minute load average ${loadavg()[2]!.toFixed(1)} at the end of the run`,
  sklearn: sklearnVersion,
  settings: {
    trials,
    epochs,
    patience,
    validationSplit,
    asha,
    threads,
    about: `a network of one ReLU layer, Adam, ${epochs} epochs at most, the engine's own early stopping on validation error (patience ${patience}, best weights kept) in both; parameters training.learningRate log-uniform [1e-4, 1e-1], network.layers.0.units 8–128, training.batchSize in {16, 32, 64, 128}, training.weightDecay log-uniform [1e-5, 1e-1]`,
    space: sweepOf('', '', 0, true).parameters,
  },
  tables,
};
writeFileSync('bench/results-sweeps.json', `${JSON.stringify(sweepsRun, null, 2)}\n`);
const markdown = existsSync('BENCHMARKS.md')
  ? readFileSync('BENCHMARKS.md', 'utf8')
  : '# Benchmarks\n';
writeFileSync('BENCHMARKS.md', withSection(markdown, 'Sweeps', sweepsSection(sweepsRun)));
say(sweepsSection(sweepsRun));
