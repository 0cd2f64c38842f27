// Scoring a stored dataset's rows with a model, a chunk at a time, as CSV text (issue 15, batch
// predictions): each output row is the input's cells as stored, then the prediction, one
// probability per class, and an `error` cell. A table model reads each row as predict's records
// (preprocess/records.ts), so a row scores exactly as POST /v1/models/:id/predict would score it;
// a row one of its cells cannot be read for (a word in a number column) or that overflows the
// network gets an empty prediction and its reason in `error`, and the rest go on. Pure: the
// forward pass is given (a Predictor), the rows come from the caller. Not the job (jobs/).
import { ValidationError } from '../errors.js';
import type { Preprocessor, TargetEncoding } from '../spec/preprocessing.js';
import type { EncodedTable } from './encoded-table.js';
import { decodeOutputs, transformRecords } from './preprocess/transform.js';

/** The forward pass: outputs (rows × outputs) for inputs (rows × inputs). */
export type Forward = (inputs: Float32Array, rows: number) => Float32Array;

/** What scoring needs of a model: its preprocessing and target (tables), or its classes. */
export interface ScoringModel {
  preprocessing?: Preprocessor | undefined;
  target?: TargetEncoding | undefined;
  classes?: (string | number)[] | undefined;
  /** Outputs per row. */
  outputs: number;
}

/** The model's class list in output order: a table model's target's, else the document's. */
export function classesOf(doc: {
  target?: TargetEncoding | undefined;
  classes?: (string | number)[] | undefined;
}): (string | number)[] | undefined {
  return doc.target?.task === 'classification' ? doc.target.classes : doc.classes;
}

/**
 * The columns scoring appends after the input's: `prediction`, then `probability_<class>` per
 * class (classifiers) or `output_<i>` per output (a matrix model with several outputs and no
 * classes), then `error`. A name the input already has gets a leading `_` until it is free.
 */
export function outputColumns(model: ScoringModel, input: readonly string[]): string[] {
  const classes = classesOf(model);
  const more = classes
    ? ['prediction', ...classes.map((c) => `probability_${c}`)]
    : model.outputs === 1
      ? ['prediction']
      : Array.from({ length: model.outputs }, (_, i) => `output_${i}`);
  const taken = new Set(input);
  return [...more, 'error'].map((name) => {
    let free = name;
    while (taken.has(free)) free = `_${free}`;
    taken.add(free);
    return free;
  });
}

/** One CSV field: quoted when it holds a comma, quote, CR or LF (RFC 4180). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export const csvLine = (cells: readonly string[]) => `${cells.map(csvField).join(',')}\n`;

/** Row r of the table as a record of its cells' texts (null where missing), by column name. */
function recordOf(table: EncodedTable, r: number): Record<string, string | null> {
  const record: Record<string, string | null> = {};
  table.header.forEach((name, c) => {
    const code = table.codes[c * table.rows + r]!;
    record[name] = code < 0 ? null : table.dictionaries[c]![code]!;
  });
  return record;
}

// A cell's problem as predict names it (`rows.0.Horsepower: …`), without the request's path.
function withoutPath(path: string, message: string): string {
  const column = path.replace(/^rows\.\d+\.?/, '');
  return column ? `${column}: ${message}` : message;
}

/** A float32 as the shortest decimal that reads back to it (5.1, not 5.099999904632568). */
export function float32Text(x: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(x.toPrecision(digits)));
    if (Math.fround(Number(text)) === x) return text;
  }
  return String(x);
}

const overflow =
  'overflows 32-bit floats inside the model: its values are far outside the training data';

/** Rows [start, end) of a stored table scored by a table model: CSV lines, one per row. */
export function scoreTableChunk(
  model: ScoringModel & { preprocessing: Preprocessor; target: TargetEncoding },
  forward: Forward,
  table: EncodedTable,
  start: number,
  end: number,
): string {
  const records = Array.from({ length: end - start }, (_, i) => recordOf(table, start + i));
  const errors: (string | undefined)[] = new Array(records.length);
  const pre = model.preprocessing;
  const label = model.target.name;
  let inputs: Float32Array;
  try {
    inputs = transformRecords(pre, records, 'rows', label).inputs;
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // a row at fault: each row on its own, so only the faulty ones go unscored
    inputs = new Float32Array(records.length * pre.width);
    records.forEach((record, i) => {
      try {
        inputs.set(transformRecords(pre, [record], 'rows', label).inputs, i * pre.width);
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        errors[i] = e.issues.map((issue) => withoutPath(issue.path, issue.message)).join('; ');
      }
    });
  }
  const y = forward(inputs, records.length);
  const cells = records.map((record) => table.header.map((name) => record[name] ?? ''));
  return linesOf(model, y, cells, errors);
}

/** Rows [start, end) of numeric rows (rows × features, row-major) scored by a matrix model. */
export function scoreMatrixChunk(
  model: ScoringModel,
  forward: Forward,
  inputs: Float32Array,
  features: number,
  start: number,
  end: number,
  carried: (r: number) => string[],
): string {
  const x = inputs.subarray(start * features, end * features);
  const y = forward(x, end - start);
  const cells = Array.from({ length: end - start }, (_, i) => {
    const row = Array.from(x.subarray(i * features, (i + 1) * features), float32Text);
    return [...row, ...carried(start + i)];
  });
  return linesOf(model, y, cells, new Array(end - start));
}

// Each row's cells, then its answer (or empty cells and its error).
function linesOf(
  model: ScoringModel,
  y: Float32Array,
  cells: string[][],
  errors: (string | undefined)[],
): string {
  const k = model.outputs;
  const classes = classesOf(model);
  const width = (classes ? classes.length + 1 : k) + 1;
  let text = '';
  cells.forEach((row, i) => {
    const out = y.subarray(i * k, (i + 1) * k);
    let error = errors[i];
    if (error === undefined && !out.every(Number.isFinite)) error = overflow;
    if (error !== undefined) {
      text += csvLine([...row, ...new Array<string>(width - 1).fill(''), error]);
      return;
    }
    text += csvLine([...row, ...answerOf(model, out, classes), '']);
  });
  return text;
}

// The prediction and probabilities (classes), the value (a table regressor, in the label's
// units), or the raw outputs.
function answerOf(
  model: ScoringModel,
  out: Float32Array,
  classes: (string | number)[] | undefined,
): string[] {
  const target = model.target;
  if (target?.task === 'regression') {
    return decodeOutputs(target, out, 1).predictions.map(String);
  }
  if (target?.task === 'classification') {
    const { predictions, probabilities } = decodeOutputs(target, out, 1);
    return [String(predictions[0]), ...probabilities[0]!.map(String)];
  }
  const p = Array.from(out);
  if (!classes) return p.map(String);
  let best = 0;
  for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j;
  return [String(classes[best]), ...p.map(String)];
}
