// The training kind: a submitted job is checked against its data's shape and the size limits
// (training-checks.ts); a try loads its rows, trains from its checkpoint if it has one
// (train-streaming.ts), saves the model and finishes the job. Not the shared steps of every
// kind — taking a job up, failing it on an error (run.ts), its moves (lifecycle.ts). A
// cross-validated job first waits for its folds (cross-validation.ts); a fold job validates on
// its fold (data/folds.ts) and keeps its metrics, not its model.
import { foldSplit } from '../data/folds.js';
import {
  type DataRows,
  type Dataset,
  generators,
  loadBuiltin,
  oneHotTooLarge,
  withTargets,
} from '../data/index.js';
import {
  evaluateHeldOut,
  holdOut,
  isTable,
  planStoredTable,
  type TableMeta,
  type TrainingRows,
  tableRows,
} from '../data/job-data.js';
import { receiptOf, reproductionOf } from '../data/receipt.js';
import type { TrainResult, TrainStart } from '../engine/index.js';
import { newId } from '../ids.js';
import { emptyHistory, historyOf } from '../spec/history.js';
import {
  type CrossValidationMetrics,
  createModelDocument,
  type DatasetRef,
  isTrainingSpec,
  type ModelMetrics,
  modelFromDocument,
  type ResolvedTraining,
} from '../spec/index.js';
import { fencedOut } from '../store/fence.js';
import { namingOf, type StoredModel, type Stores } from '../store/index.js';
import { crossValidate, isCrossValidated } from './cross-validation.js';
import { failTry, type JobOutcome, type Kind, type TrainingTry, type Try } from './kind.js';
import { pruneTrial, rungJudgeOf } from './sweep-trial.js';
import { Handover, trainStreaming } from './train-streaming.js';
import {
  checkCrossValidation,
  checkDataset,
  checkLimits,
  modelToStartFrom,
  resolveJobTraining,
} from './training-checks.js';

export const training: Kind<ResolvedTraining> = {
  check: resolveJobTraining,

  async prepare(config, stores, spec, resolved) {
    const start = await modelToStartFrom(stores, spec);
    const checked = await checkDataset(config, stores, spec, resolved, start);
    checkLimits(config, checked);
    checkCrossValidation(checked);
    return {
      inline: checked.inline,
      dataset: checked.ref,
      record: (dataset) => ({
        network: checked.network,
        dataset,
        // a warm start's reference (NAME@ALIAS) pinned to the model it named at submit
        training: start ? { ...checked.training, initFrom: { model: start.id } } : checked.training,
        ...(spec.webhook ? { webhook: spec.webhook } : {}),
        ...(spec.model ? { model: spec.model } : {}),
      }),
    };
  },

  run: (t) => trainOrCrossValidate(trainingTry(t)),
};

// A cross-validated job trains its own model once its folds are done (cross-validation.ts);
// their summary goes into its model's metrics. It waited while they ran, its record running:
// its training starts afresh unless an earlier try of it wrote epochs (then from the checkpoint).
async function trainOrCrossValidate(t: TrainingTry): Promise<JobOutcome> {
  const { sweep } = t.job.spec;
  if (sweep) await t.stores.sweeps.trialStarted(sweep.id, t.job.jobId); // once: then 'running'
  if (!isCrossValidated(t.job)) return trainJob(t);
  const folds = await crossValidate(t);
  if ('status' in folds) return folds;
  return trainJob({ ...t, takeover: t.written > 0 }, folds);
}

// Training is handed only training jobs (kinds.ts picks the kind by the payload's `kind`).
function trainingTry(t: Try): TrainingTry {
  if (!isTrainingSpec(t.job.spec)) throw new Error(`job ${t.job.jobId} is not a training job`);
  return t as TrainingTry;
}

async function loadData(stores: Stores, ref: DatasetRef): Promise<DataRows | null> {
  if ('id' in ref) return stores.datasets.load(ref.id);
  if ('builtin' in ref) return loadBuiltin(ref.builtin, ref.subset ?? 'all');
  const { generator, ...params } = ref;
  return (generators[generator] as (p: object) => Dataset)(params);
}

async function trainJob(
  t: TrainingTry,
  crossValidation?: CrossValidationMetrics,
): Promise<JobOutcome> {
  const { sweep } = t.job.spec;
  const initial = await modelToStartFromOf(t);
  if (initial && 'status' in initial) return initial;
  const rows = handingOver(await loadRows(t, initial));
  if ('status' in rows) return rows;
  const data = rows.train;
  const start = await resumeFrom(t);
  if (start === fencedOut) return { status: 'fenced' };
  const t0 = performance.now();
  const warm = initial ? { initial: warmStartOf(t, initial) } : {};
  const fold = rows.validationRows ? { validationRows: rows.validationRows } : {};
  const judge = rungJudgeOf(t.stores, sweep, t.job.spec.training.epochs);
  const rungs = judge ? { rungs: judge } : {};
  const result = await trainStreaming({ t, data, ...start, ...warm, ...fold, ...rungs });
  if (typeof result === 'string' && result !== 'time_limit') return { status: result };
  if (typeof result === 'object' && 'pruned' in result) return pruneTrial(t, result.pruned);
  if (result === 'time_limit') {
    const limit = `training ran longer than the ${t.options.maxJobSeconds} s a job may (MAX_JOB_SECONDS)`;
    return failTry(t, 'time_limit', limit);
  }
  if (result.reason === 'stopped') return cancelled(t, result.epochs);
  if (result.reason === 'diverged') return failTry(t, 'diverged', result.message);
  const { network, training } = t.job.spec;
  const model = { shape: network, params: result.params, scaler: result.scaler };
  const { preprocessing, target } = rows;
  const doc = createModelDocument({
    network,
    training,
    result,
    classes: target?.task === 'classification' ? target.classes : rows.classes,
    featureNames: preprocessing?.inputNames ?? rows.featureNames,
    preprocessing,
    target,
    evaluation: evaluateHeldOut(model, network, rows),
    receipt: receiptOf(t.job.spec, rows.datasetSha256, result.params),
    history: historyOf(start.history),
    durationMs: performance.now() - t0,
  });
  if (t.job.fold) return succeedFold(t, doc.metrics);
  if (crossValidation) doc.metrics.crossValidation = crossValidation;
  return succeed(t, doc);
}

// The training rows boxed for the engine, which copies them into its arena: once taken, nothing
// here holds them while the job trains, so a worker holds a dataset once, not twice (issue 16:
// measured 9.9 bytes of RSS a value with both held, BENCHMARKS.md "Big data"). What the model
// document needs of them (classes, feature names) is kept beside.
// A fold job's validation rows are its fold of them (folds.ts), picked before they go.
function handingOver(rows: (TrainingRows & { validationRows?: Uint32Array }) | JobOutcome) {
  if ('status' in rows) return rows;
  const { train, ...rest } = rows;
  return {
    ...rest,
    classes: train.classes,
    featureNames: train.featureNames,
    train: new Handover(train),
  };
}

// A warm start's model (training.initFrom), or the job failed: the model was deleted after the
// job was submitted. Null for a cold start.
async function modelToStartFromOf(t: TrainingTry): Promise<StoredModel | JobOutcome | null> {
  const id = t.job.spec.training.initFrom?.model;
  if (id === undefined) return null;
  const model = await t.stores.models.get(id);
  if (model) return model;
  const message = `the model ${id} to start from (training.initFrom) was deleted before the job ran`;
  return failTry(t, 'invalid_input', message);
}

// The model's weights, and its scaler when the job standardises its inputs: a matrix job's new
// rows are scaled as the model's were (its weights were trained on inputs scaled so), not by a
// scaler fitted on the new rows. A model without a scaler leaves the job to fit one.
function warmStartOf(t: TrainingTry, model: StoredModel): TrainStart {
  const { params, scaler } = modelFromDocument(model);
  const keep = t.job.spec.training.standardize && scaler !== null;
  return keep ? { params, scaler } : { params };
}

// The job's rows (a table preprocessed by a fit on its training rows, or by the preprocessing
// of the table model it starts from), the held-out rows, or the job failed for them (never
// retried).
async function loadRows(
  t: TrainingTry,
  initial: StoredModel | null,
): Promise<(TrainingRows & { validationRows?: Uint32Array }) | JobOutcome> {
  const rows = await loadAllRows(t, initial);
  const { fold } = t.job;
  if ('status' in rows || !fold) return rows;
  const { train } = rows;
  const { seed } = t.job.spec.training;
  return {
    ...rows,
    validationRows: foldSplit(train.labels ?? null, train.rows, fold, seed).validation,
  };
}

async function loadAllRows(
  t: TrainingTry,
  initial: StoredModel | null,
): Promise<TrainingRows | JobOutcome> {
  const { dataset: ref, training } = t.job.spec;
  if ('id' in ref) {
    const meta = await t.stores.datasets.meta(ref.id);
    if (meta && isTable(meta)) return loadTableRows(t, ref, initial);
  }
  const rows = await loadData(t.stores, ref);
  if (!rows) return failTry(t, 'dataset_missing', 'the dataset was deleted before the job ran');
  // stored class indices become one-hot targets here, in the thread, once their size is known
  // to fit (a dataset stored under another MAX_DATASET_CELLS, issue 12)
  const { maxDatasetCells } = t.options;
  if (!rows.targets && rows.rows * rows.outputs > maxDatasetCells)
    return failTry(
      t,
      'dataset_too_large',
      oneHotTooLarge(rows.rows, rows.outputs, maxDatasetCells),
    );
  return holdOut(withTargets(rows), training);
}

async function loadTableRows(
  t: TrainingTry,
  ref: Extract<DatasetRef, { id: string }>,
  initial: StoredModel | null,
): Promise<TrainingRows | JobOutcome> {
  const stored = await t.stores.datasets.loadTable(ref.id);
  if (!stored) return failTry(t, 'dataset_missing', 'the dataset was deleted before the job ran');
  const { id: _, ...choices } = ref;
  const meta = stored.meta as typeof stored.meta & TableMeta;
  const plan = planStoredTable(meta, choices);
  const { preprocessing: preprocessor, target } = initial ?? {};
  const fitted = preprocessor && target ? { preprocessor, target } : undefined;
  const { training } = t.job.spec;
  return tableRows(stored.table, plan, training, meta.missingTokens, fitted, t.job.fold);
}

// Where this try starts: from scratch, or (a job taken over) from its checkpoint, said in a
// `resumed` event. The same seed retrains the same epochs: only later ones go to the stream.
async function resumeFrom(t: TrainingTry) {
  const checkpoint = t.takeover ? await t.stores.checkpoints.load(t.job.jobId) : null;
  const history = checkpoint?.history ?? emptyHistory();
  if (t.takeover) {
    const { made } = t.attempt;
    const epoch = checkpoint?.epoch ?? 0;
    const position = checkpoint?.position ?? 0;
    const attempt = made > 0 ? made + 1 : undefined;
    const appended = await t.lifecycle.resumed(t.job, t.fence, epoch, position, attempt);
    if (appended === fencedOut) return fencedOut;
  }
  return { checkpoint, history };
}

// A fold job's end: its metrics on its record and `done` event; its model is not kept (the
// cross-validated job reads the metrics and trains its own).
async function succeedFold(t: TrainingTry, metrics: ModelMetrics): Promise<JobOutcome> {
  const finished = await t.lifecycle.succeed(t.job, t.fence, undefined, metrics);
  if (finished === fencedOut) return { status: 'fenced' };
  return { status: finished === 'ok' ? 'succeeded' : 'skipped' };
}

async function cancelled(t: TrainingTry, epochs: TrainResult['epochs']): Promise<JobOutcome> {
  const outcome = await t.lifecycle.cancel(t.job, ['running'], epochs, t.fence);
  return { status: outcome === fencedOut ? 'fenced' : 'cancelled' };
}

// Saves the model and records the job done (the move also drops the checkpoint), both fenced.
// A reproduction's model is unnamed (never a version of the original's name) and says whose it
// reproduces; its done event says whether the weights came out the same.
async function succeed(
  t: TrainingTry,
  doc: ReturnType<typeof createModelDocument>,
): Promise<JobOutcome> {
  const { jobId } = t.job;
  const { reproduces } = t.job.spec;
  const modelId = await t.stores.models.idForJob(jobId, newId());
  const naming = namingOf(t.job.spec.model);
  const lineage = reproduces ? { reproduces: reproduces.model } : {};
  const model = { ...doc, ...naming, ...lineage, id: modelId, jobId };
  const saved = await t.stores.models.save(model, t.fence);
  if (saved === fencedOut) return { status: 'fenced' };
  const { name, version } = saved;
  const reproduction =
    reproduces && doc.receipt
      ? { reproduction: reproductionOf(reproduces, doc.receipt, doc.metrics.kernel) }
      : {};
  const more = { ...(name && version ? { model: { name, version } } : {}), ...reproduction };
  const finished = await t.lifecycle.succeed(t.job, t.fence, modelId, doc.metrics, more);
  if (finished === fencedOut) return { status: 'fenced' };
  return finished === 'ok' ? { status: 'succeeded', modelId } : { status: 'skipped' };
}
