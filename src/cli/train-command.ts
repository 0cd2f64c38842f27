// `backprop train job.json [--out model.json]`: trains on this machine, no server, and writes
// the model (spec, weights in the notes' convention, scaler, metrics) as JSON.
import { basename, dirname, join, resolve } from 'node:path';
import { evaluateHeldOut, type TrainingRows } from '../data/job-data.js';
import { receiptOf } from '../data/receipt.js';
import { baseDirOf, type PreparedJob, prepareJob } from '../data/resolve.js';
import { type EpochReport, type TrainResult, type TrainStart, train } from '../engine/index.js';
import { ValidationError } from '../errors.js';
import {
  createModelDocument,
  type ModelDocument,
  modelFromDocument,
  type ResolvedTraining,
} from '../spec/index.js';
import { createThreadTeam } from '../threads/team.js';
import { evaluationReport } from './evaluation-report.js';
import { readJson, writeFileAtomic } from './io.js';
import { loadModelFile } from './predict-command.js';
import { createEpochSink } from './progress.js';

export interface TrainCommandOptions {
  out?: string;
  quiet?: boolean;
  /** Overrides the spec's training.threads. */
  threads?: number;
}

/** job.json → job.model.json beside it. */
export function defaultModelPath(jobPath: string): string {
  return join(dirname(jobPath), `${basename(jobPath).replace(/\.json$/i, '')}.model.json`);
}

export function trainCommand(jobPath: string, options: TrainCommandOptions): number {
  const spec = readJson(jobPath, 'job file');
  const baseDir = baseDirOf(jobPath);
  const start = modelToStartFrom(spec, baseDir);
  const { job, data, rows } = prepareJob(spec, {
    allowFiles: true,
    baseDir,
    ...(start ? { start } : {}),
  });
  refuseCrossValidation(job.training);
  const t = options.threads ? { ...job.training, threads: options.threads } : job.training;
  const out = options.out ?? defaultModelPath(jobPath);
  if (!options.quiet) {
    const batch = t.batchSize === 'full' ? `full batch (${data.rows})` : `batch ${t.batchSize}`;
    if (rows.preprocessing) process.stdout.write(tableSummary(rows));
    if (start) process.stdout.write(`starting from the weights of ${t.initFrom?.model}\n`);
    process.stdout.write(
      `training ${job.network.inputSize}-${job.network.layers.map((l) => l.units).join('-')} on ${data.rows} rows${rows.test ? ` (${rows.test.rows} held out)` : ''}: ${t.optimizer}, learning rate ${t.learningRate}, ${batch}, up to ${t.epochs} epochs, seed ${t.seed}${t.threads > 1 ? `, ${t.threads} threads` : ''}\n`,
    );
  }
  const { doc, result } = trainPrepared({ job, data, rows }, t, start, Boolean(options.quiet));
  writeFileAtomic(out, `${JSON.stringify(doc)}\n`);
  if (!options.quiet) {
    const m = doc.metrics;
    const accuracy = m.accuracy !== undefined ? `, accuracy ${(100 * m.accuracy).toFixed(1)}%` : '';
    process.stdout.write(
      `${result.message}; error ${m.error?.toFixed(6)}${accuracy} (${result.kernel} kernels, ${result.threads} thread${result.threads === 1 ? '' : 's'})\n`,
    );
    if (doc.evaluation) {
      const lines = evaluationReport(doc.evaluation);
      process.stdout.write(`held-out evaluation:\n${lines.map((l) => `  ${l}\n`).join('')}`);
    }
    process.stdout.write(`model written to ${out}\n`);
  }
  return 0;
}

// k-fold cross-validation runs its folds as jobs of the service (issue 17): here one model is
// trained, so a job asking for folds is refused rather than trained without them.
function refuseCrossValidation(training: ResolvedTraining): void {
  if (!training.crossValidation) return;
  throw new ValidationError([
    {
      path: 'training.crossValidation',
      message:
        'runs on the service, each fold a job (backprop submit job.json); backprop train trains one model here: remove it to train without folds',
    },
  ]);
}

/**
 * Trains a prepared job on this machine with training options `t` (from `start`'s weights when
 * given), as a worker does: the model document with its receipt, and the engine's result.
 * Shared by `backprop train` and `backprop reproduce`. Throws TrainingFailed when it diverged.
 */
export function trainPrepared(
  { job, data, rows }: PreparedJob,
  t: ResolvedTraining,
  start: ModelDocument | null,
  quiet: boolean,
): { doc: ModelDocument; result: TrainResult } {
  const sink = createEpochSink(t.epochs, {
    tty: Boolean(process.stderr.isTTY),
    quiet,
  });
  const history: ModelDocument['history'] = [];
  const started = performance.now();
  // several threads: helpers that end with the run (close() stops any that never started)
  const team = t.threads > 1 ? createThreadTeam(t.threads - 1) : undefined;
  let result: TrainResult;
  try {
    result = train(job.network, data, t, {
      onEpoch(r: EpochReport) {
        history.push({
          epoch: r.epoch,
          error: r.error,
          ...(r.validationError !== undefined ? { validationError: r.validationError } : {}),
        });
        sink.epoch(r);
      },
      ...(team ? { team } : {}),
      ...(start ? { start: warmStartOf(start, t.standardize) } : {}),
    });
  } finally {
    void team?.close();
  }
  sink.end();
  if (result.reason === 'diverged') {
    throw new TrainingFailed(`training ${result.message}; no model written`);
  }
  const model = { shape: job.network, params: result.params, scaler: result.scaler };
  const { preprocessing, target } = rows;
  const doc = createModelDocument({
    network: job.network,
    training: t,
    result,
    classes: target?.task === 'classification' ? target.classes : data.classes,
    featureNames: preprocessing?.inputNames ?? data.featureNames,
    preprocessing,
    target,
    evaluation: evaluateHeldOut(model, job.network, rows),
    receipt: receiptOf({ ...job, training: t }, rows.datasetSha256, result.params),
    history,
    durationMs: performance.now() - started,
  });
  return { doc, result };
}

// What the table became: the columns read and as what, those skipped and why.
function tableSummary(rows: TrainingRows): string {
  const p = rows.preprocessing!;
  const read = p.columns.map((c) => `${c.name} (${c.type})`).join(', ');
  const skipped = p.skipped.map((c) => `${c.name} (${c.type}: ${c.reason})`).join(', ');
  const target = rows.target!;
  const label =
    target.task === 'classification'
      ? `${target.name}: ${target.classes.length} classes`
      : `${target.name}: regression`;
  return `table: ${label}; reads ${read} as ${p.width} inputs${skipped ? `; skips ${skipped}` : ''}\n`;
}

/**
 * Warm start: the model file training.initFrom.model names (a model JSON or a downloaded
 * .bpmodel), read relative to the job file's folder; null without initFrom.
 */
function modelToStartFrom(spec: unknown, baseDir: string): ModelDocument | null {
  const training = (spec as { training?: { initFrom?: { model?: unknown } } } | null)?.training;
  const path = training?.initFrom?.model;
  if (typeof path !== 'string' || path === '') return null; // the job's own parse says what is wrong
  return loadModelFile(resolve(baseDir, path));
}

// The model's weights, and its scaler when the job standardises (new rows scaled as the model's
// were); the service does the same (src/jobs/training.ts).
function warmStartOf(doc: ModelDocument, standardize: boolean): TrainStart {
  const { params, scaler } = modelFromDocument(doc);
  return standardize && scaler ? { params, scaler } : { params };
}

/** Training ran but produced no usable model (exit code 1). */
export class TrainingFailed extends Error {
  override name = 'TrainingFailed';
}
