// `backprop reproduce MODEL_FILE [DATASET]`: retrains a downloaded model from its receipt on this
// machine, as a worker does (train-command.ts's trainPrepared, data/resolve.ts's prepareJob), and
// says whether the weights hash as the receipt's (data/receipt.ts's reproductionOf, the worker's
// comparison). Exit 0 when they do, 1 when not; bad input is a UsageError (exit 2).
import { basename, resolve } from 'node:path';
import { reproducesOf, reproductionOf } from '../data/receipt.js';
import { prepareJob } from '../data/resolve.js';
import type { ModelDocument, Receipt, Reproduction } from '../spec/index.js';
import { readJson, UsageError, writeFileAtomic } from './io.js';
import { loadModelFile } from './predict-command.js';
import { trainPrepared } from './train-command.js';

export interface ReproduceCommandOptions {
  /** The model file a warm-started model started from (its receipt names the model's id). */
  from?: string;
  /** Regression target columns of a numeric CSV uploaded with ?targets=. */
  targets?: string;
  /** Where to write the retrained model (JSON). */
  out?: string;
  quiet?: boolean;
  json?: boolean;
}

export function reproduceCommand(
  modelPath: string,
  datasetPath: string | undefined,
  options: ReproduceCommandOptions,
): number {
  const original = loadModelFile(modelPath);
  const { receipt } = original;
  if (!receipt) {
    throw new UsageError(
      `model file ${modelPath} has no receipt to retrain from (trained before receipts, or written by an older backprop)`,
    );
  }
  const dataset = datasetOf(original, receipt, datasetPath, options);
  const start = startOf(receipt, options.from);
  const training = receipt.spec.training;
  const job = { network: receipt.spec.network, dataset, training };
  const prepared = prepareJob(job, { allowFiles: true, ...(start ? { start } : {}) });
  const quiet = Boolean(options.quiet || options.json);
  if (!quiet) {
    const t = prepared.job.training;
    process.stdout.write(
      `retraining ${basename(modelPath)} from its receipt: ${t.epochs} epochs, seed ${t.seed}, on ${prepared.data.rows} rows\n`,
    );
  }
  const { doc } = trainPrepared(prepared, prepared.job.training, start, quiet);
  if (options.out) writeFileAtomic(options.out, `${JSON.stringify(doc)}\n`);
  const expected = reproducesOf(basename(modelPath), receipt, original.metrics.kernel);
  const outcome = reproductionOf(expected, doc.receipt!, doc.metrics.kernel);
  process.stdout.write(options.json ? `${JSON.stringify(outcome)}\n` : report(outcome));
  return outcome.equal ? 0 : 1;
}

function report(r: Reproduction): string {
  const head = r.equal
    ? `reproduced: the weights' SHA-256 is the receipt's, ${r.actual}\n`
    : `not reproduced: the weights' SHA-256 is ${r.actual}, the receipt's ${r.expected}\n`;
  return head + r.reasons.map((reason) => `  ${reason}\n`).join('');
}

// The receipt's dataset as this machine reads it: a built-in or generator as it is; a stored
// dataset from the file given, read as the service read its upload (a table's label, task and
// missing tokens are the model's); a local CSV (backprop train) from its path or the one given.
function datasetOf(
  model: ModelDocument,
  receipt: Receipt,
  path: string | undefined,
  options: ReproduceCommandOptions,
): Record<string, unknown> {
  const ref = receipt.spec.dataset;
  // trained by `backprop train` from a CSV: that file, or the one given in its place
  if (typeof ref.csv === 'string') return { ...ref, csv: resolve(path ?? ref.csv) };
  if (typeof ref.id !== 'string') {
    if (path !== undefined) {
      const what =
        'builtin' in ref ? `the built-in ${ref.builtin}` : `the generator ${ref.generator}`;
      throw new UsageError(`the model was trained on ${what}, not a file: give no dataset`);
    }
    if (!('builtin' in ref || 'generator' in ref))
      throw new UsageError(
        'the model was trained on rows sent with its job, which its receipt does not hold: it cannot be retrained here',
      );
    return ref;
  }
  if (path === undefined) {
    throw new UsageError(
      `the model was trained on the uploaded dataset ${ref.id}: give its file (the CSV or JSON you uploaded)`,
    );
  }
  const { id: _, ...choices } = ref;
  const csv = resolve(path);
  if (model.preprocessing && model.target) {
    const { name, task } = model.target;
    return { csv, label: name, task, missing: model.preprocessing.missingTokens, ...choices };
  }
  if (/\.json$/i.test(path)) return readJson(path, 'dataset') as Record<string, unknown>;
  if (options.targets === undefined) {
    throw new UsageError(
      `${path}: a numeric CSV needs --targets COLUMNS (the ?targets= it was uploaded with), or give the JSON rows uploaded`,
    );
  }
  return { csv, targets: options.targets.split(',').map((t) => t.trim()) };
}

// A warm-started model's start: the file given with --from.
function startOf(receipt: Receipt, from: string | undefined): ModelDocument | null {
  const initFrom = (receipt.spec.training.initFrom as { model?: string } | undefined)?.model;
  if (initFrom === undefined) {
    if (from !== undefined)
      throw new UsageError('the model was not warm-started: leave out --from');
    return null;
  }
  if (from === undefined) {
    throw new UsageError(
      `the model was warm-started from the model ${initFrom}: give its file with --from FILE (backprop models download ${initFrom})`,
    );
  }
  return loadModelFile(from);
}
