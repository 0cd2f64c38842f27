// The batch-predictions kind (issue 15): every row of a stored dataset scored by a model, as a
// CSV (data/batch-score.ts). Submit pins the model reference to its id and checks the dataset
// holds what the model reads; a try scores `chunkRows` rows at a time, appending each chunk's
// CSV to the job's output (store/outputs.ts) with a `progress` event, and stops between chunks
// when cancelled. Memory holds the stored dataset (compact: codes, or float32 rows) and one
// chunk, never the output. Not the shared steps of every kind (run.ts, lifecycle.ts).
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  csvLine,
  type Forward,
  outputColumns,
  type ScoringModel,
  scoreMatrixChunk,
  scoreTableChunk,
} from '../data/batch-score.js';
import type { EncodedTable } from '../data/encoded-table.js';
import type { DataRows } from '../data/index.js';
import { createPredictor, outputSizeOf } from '../engine/index.js';
import { ValidationError } from '../errors.js';
import {
  type BatchPredictionPayload,
  type BatchPredictionSubmit,
  isTrainingSpec,
  modelFromDocument,
  outputPath,
} from '../spec/index.js';
import { fencedOut } from '../store/fence.js';
import {
  isReady,
  type ReadyDatasetMeta,
  readyOrRefuse,
  type StoredModel,
  type Stores,
} from '../store/index.js';
import { failTry, handoffReason, type JobOutcome, type Kind, type Try } from './kind.js';

/** Rows scored and appended at a time: what bounds the memory a try needs beside its dataset. */
export const chunkRows = 1000;

type BatchTry = Try<BatchPredictionPayload>;

export const batchPredictions: Kind<null, BatchPredictionSubmit> = {
  check: () => null,

  async prepare(_config, stores, spec) {
    const id = await stores.models.resolve(spec.model);
    const model = id ? await stores.models.get(id) : null;
    if (!id || !model) throw await stores.models.notFound(spec.model);
    const stored = await stores.datasets.meta(spec.dataset.id);
    if (!stored) {
      throw new ValidationError([
        {
          path: 'dataset.id',
          message: `no dataset has id ${spec.dataset.id}: upload one (POST /v1/datasets) or list yours (GET /v1/datasets)`,
        },
      ]);
    }
    const meta = readyOrRefuse(stored, 'dataset.id');
    checkFits(model, meta);
    return {
      inline: null,
      dataset: { id: meta.id },
      record: () => ({
        kind: 'batch-predictions' as const,
        model: { id, ref: spec.model },
        dataset: { id: meta.id },
        ...(spec.webhook ? { webhook: spec.webhook } : {}),
      }),
    };
  },

  run: (t) => scoreJob(batchTry(t)),
};

function batchTry(t: Try): BatchTry {
  if (isTrainingSpec(t.job.spec)) throw new Error(`job ${t.job.jobId} is a training job`);
  return t as BatchTry;
}

// A table model scores a table holding every column it reads (others are carried through); a
// matrix model scores numeric rows of its input width.
function checkFits(model: StoredModel, meta: ReadyDatasetMeta): void {
  const refuse = (message: string) => {
    throw new ValidationError([{ path: 'dataset.id', message }]);
  };
  const pre = model.preprocessing;
  if (pre) {
    if (meta.format !== 'table') {
      refuse(
        `is a dataset of numeric rows, and the model reads a table's named columns (${pre.columns.map((c) => c.name).join(', ')}): upload the rows as a table (CSV, JSON records or NDJSON)`,
      );
      return;
    }
    const have = new Set(meta.columns.map((c) => c.name));
    const missing = pre.columns.map((c) => c.name).filter((name) => !have.has(name));
    if (missing.length > 0) {
      refuse(
        `has no column ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` (${missing.length} in all)` : ''}, which the model reads: upload a table with the columns it was trained on`,
      );
    }
    return;
  }
  if (meta.format === 'table') {
    refuse(
      'is a table, and the model was trained on numeric rows (not a table with named columns): upload the rows as JSON {inputs} or a CSV with ?targets=',
    );
    return;
  }
  const width = model.network.inputSize;
  if (meta.features !== width)
    refuse(`has ${meta.features} features per row; the model reads ${width}`);
}

/** The rows to score, a chunk at a time, and the header of the CSV. */
interface Source {
  rows: number;
  header: string[];
  chunk(start: number, end: number): string;
}

async function scoreJob(t: BatchTry): Promise<JobOutcome> {
  const { model: pinned, dataset } = t.job.spec;
  const doc = await t.stores.models.get(pinned.id);
  if (!doc)
    return failTry(t, 'invalid_input', `the model ${pinned.id} was deleted before the job ran`);
  const model: ScoringModel = {
    preprocessing: doc.preprocessing,
    target: doc.target,
    classes: doc.classes,
    outputs: outputSizeOf(doc.network),
  };
  const forward: Forward = createPredictor(modelFromDocument(doc), chunkRows);
  const source = await sourceOf(t.stores, dataset.id, model, forward);
  if (!source) return failTry(t, 'dataset_missing', 'the dataset was deleted before the job ran');
  // a try starts over: what an earlier one appended goes
  if ((await t.stores.outputs.clear(t.job.jobId, t.fence)) === fencedOut)
    return { status: 'fenced' };
  return scoreChunks(t, source);
}

async function sourceOf(
  stores: Stores,
  id: string,
  model: ScoringModel,
  forward: Forward,
): Promise<Source | null> {
  const meta = await stores.datasets.meta(id);
  if (!meta || !isReady(meta)) return null;
  if (meta.format === 'table') {
    const stored = await stores.datasets.loadTable(id);
    return stored && tableSource(model, forward, stored.table);
  }
  const rows = await stores.datasets.load(id);
  return rows && matrixSource(model, forward, rows);
}

function tableSource(model: ScoringModel, forward: Forward, table: EncodedTable): Source {
  const { preprocessing, target } = model;
  if (!preprocessing || !target) throw new Error('a table needs a table model (checked at submit)');
  const scoring = { ...model, preprocessing, target };
  return {
    rows: table.rows,
    header: [...table.header, ...outputColumns(model, table.header)],
    chunk: (start, end) => scoreTableChunk(scoring, forward, table, start, end),
  };
}

// Numeric rows: the features (named as uploaded, else x0, x1, …), then the class label or the
// targets the dataset carries.
function matrixSource(model: ScoringModel, forward: Forward, data: DataRows): Source {
  const features = data.featureNames ?? Array.from({ length: data.features }, (_, i) => `x${i}`);
  const { labels, targets, classes } = data;
  const carriedNames = labels
    ? ['label']
    : data.outputs === 1
      ? ['target']
      : Array.from({ length: data.outputs }, (_, i) => `target_${i}`);
  const carried = (r: number): string[] => {
    if (labels) return [String(classes?.[labels[r]!] ?? labels[r])];
    if (!targets) return [];
    return Array.from(targets.subarray(r * data.outputs, (r + 1) * data.outputs), String);
  };
  const input = [...features, ...(labels || targets ? carriedNames : [])];
  return {
    rows: data.rows,
    header: [...input, ...outputColumns(model, input)],
    chunk: (start, end) =>
      scoreMatrixChunk(model, forward, data.inputs, data.features, start, end, carried),
  };
}

// Scores and appends chunk after chunk; between chunks the thread's event loop turns, so a
// cancel (the abort signal) is heard, and the try stops there.
async function scoreChunks(t: BatchTry, source: Source): Promise<JobOutcome> {
  const { jobId } = t.job;
  let done = 0;
  let head = csvLine(source.header);
  do {
    const stop = stopped(t);
    if (stop) return stop === 'cancelled' ? cancelled(t, done) : { status: 'handed_back' };
    const end = Math.min(source.rows, done + chunkRows);
    const text = head + source.chunk(done, end);
    head = '';
    if ((await t.stores.outputs.append(jobId, text, t.fence)) === fencedOut)
      return { status: 'fenced' };
    done = end;
    if ((await t.lifecycle.progress(t.job, done, source.rows, t.fence)) === fencedOut)
      return { status: 'fenced' };
    await yieldToEventLoop();
  } while (done < source.rows);
  const finished = await t.lifecycle.succeedBatch(t.job, t.fence, done, outputPath(jobId));
  if (finished === fencedOut) return { status: 'fenced' };
  return finished === 'ok' ? { status: 'succeeded' } : { status: 'skipped' };
}

// A worker shutting down hands the job back (the next try starts over); a cancel stops it.
function stopped(t: BatchTry): 'cancelled' | 'handoff' | null {
  if (t.signal?.aborted !== true) return null;
  return t.signal.reason === handoffReason ? 'handoff' : 'cancelled';
}

async function cancelled(t: BatchTry, rows: number): Promise<JobOutcome> {
  const outcome = await t.lifecycle.cancel(t.job, ['running'], 0, t.fence, rows);
  return { status: outcome === fencedOut ? 'fenced' : 'cancelled' };
}
