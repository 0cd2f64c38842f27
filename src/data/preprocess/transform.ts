// Applying a fitted preprocessing (issue 14): rows of a stored table to network inputs, and
// network outputs back to answers (class names and probabilities, or values in the label's
// units). A stored column is encoded once per dictionary text, not once per cell, so a million
// rows cost a lookup per cell. Records (predict's `records`) are read by records.ts, exported
// here too. Pure; not the fitting (fit.ts) nor the layout of a step's inputs (steps.ts).
import type { ColumnStep, Preprocessor, TargetEncoding } from '../../spec/preprocessing.js';
import { readBoolean, readDate, readNumber } from '../cell-readers.js';
import type { EncodedTable } from '../encoded-table.js';
import { encodeDate, encodeNumber, slotMap, slotOf, stepWidth } from './steps.js';

export { type RecordInputs, transformRecords } from './records.js';

/**
 * The inputs of `rows` (row-major, rows.length × pre.width): `columnIndex[k]` is the table
 * column that pre.columns[k] reads. A stored text its type cannot read is treated as missing.
 */
export function transformTable(
  pre: Preprocessor,
  table: EncodedTable,
  columnIndex: readonly number[],
  rows: Uint32Array,
): Float32Array {
  if (columnIndex.length !== pre.columns.length) {
    throw new Error(`${columnIndex.length} column indices for ${pre.columns.length} columns`);
  }
  const width = pre.width;
  let at = 0;
  const lookups = pre.columns.map((step, k): Lookup => {
    const c = columnIndex[k]!;
    const codes = table.codes.subarray(c * table.rows, (c + 1) * table.rows);
    const dictionary = table.dictionaries[c]!;
    const lookup: Lookup = { codes, at, missing: dictionary.length, w: stepWidth(step) };
    if (step.type === 'categorical') lookup.slots = slotsOf(step, dictionary);
    else lookup.values = valuesOf(step, dictionary);
    at += lookup.w;
    return lookup;
  });
  if (at !== width) throw new Error(`the steps make ${at} inputs, the preprocessing says ${width}`);
  const out = new Float32Array(rows.length * width);
  // a block of rows at a time, every column, so the block's outputs stay in cache
  for (let start = 0; start < rows.length; start += blockRows) {
    const end = Math.min(rows.length, start + blockRows);
    for (const lookup of lookups) {
      if (lookup.slots) writeSlots(out, width, lookup, lookup.slots, rows, start, end);
      else writeValues(out, width, lookup, lookup.values!, rows, start, end);
    }
  }
  return out;
}

const blockRows = 2048;

// A column as lookups: each dictionary entry's inputs (and a missing cell's, at index `missing`).
interface Lookup {
  codes: Int32Array;
  /** Its first input. */
  at: number;
  missing: number;
  w: number;
  /** Categorical: the slot set to 1 per entry. */
  slots?: Int32Array;
  /** Others: w values per entry. */
  values?: Float32Array;
}

function slotsOf(step: Extract<ColumnStep, { type: 'categorical' }>, dictionary: string[]) {
  const slots = slotMap(step);
  const slotOfEntry = new Int32Array(dictionary.length + 1);
  dictionary.forEach((text, e) => {
    slotOfEntry[e] = slotOf(step, slots, text);
  });
  slotOfEntry[dictionary.length] = slotOf(step, slots, undefined);
  return slotOfEntry;
}

// (dictionary.length + 1) × w values: each text's inputs, then a missing cell's.
function valuesOf(step: Exclude<ColumnStep, { type: 'categorical' }>, dictionary: string[]) {
  const w = stepWidth(step);
  const values = new Float32Array((dictionary.length + 1) * w);
  for (let e = 0; e <= dictionary.length; e++) {
    const text = dictionary[e]; // undefined past the end: the missing cell
    switch (step.type) {
      case 'numeric':
        encodeNumber(values, e * w, step, text === undefined ? undefined : readNumber(text));
        break;
      case 'boolean': {
        const b = text === undefined ? undefined : readBoolean(text, true);
        values[e * w] = b === undefined ? step.fill : b ? 1 : 0;
        break;
      }
      case 'datetime':
        encodeDate(values, e * w, step, text === undefined ? undefined : readDate(text)?.ms);
        break;
    }
  }
  return values;
}

function writeSlots(
  out: Float32Array,
  width: number,
  { codes, at, missing }: Lookup,
  slots: Int32Array,
  rows: Uint32Array,
  start: number,
  end: number,
): void {
  for (let i = start; i < end; i++) {
    const code = codes[rows[i]!]!;
    out[i * width + at + slots[code < 0 ? missing : code]!] = 1;
  }
}

function writeValues(
  out: Float32Array,
  width: number,
  { codes, at, missing, w }: Lookup,
  values: Float32Array,
  rows: Uint32Array,
  start: number,
  end: number,
): void {
  for (let i = start; i < end; i++) {
    const code = codes[rows[i]!]!;
    const from = (code < 0 ? missing : code) * w;
    const to = i * width + at;
    for (let j = 0; j < w; j++) out[to + j] = values[from + j]!;
  }
}

export interface ClassAnswers {
  /** The class with the highest probability per row (the first of equals). */
  predictions: (string | number)[];
  /** Per row, one probability per class in the target's class order. */
  probabilities: number[][];
}

export interface ValueAnswers {
  /** Per row, the value in the label's units. */
  predictions: number[];
}

type ClassTarget = Extract<TargetEncoding, { task: 'classification' }>;
type ValueTarget = Extract<TargetEncoding, { task: 'regression' }>;

/** The network's outputs (row-major, rows × outputs) as answers. */
export function decodeOutputs(
  target: ClassTarget,
  outputs: Float32Array,
  rows: number,
): ClassAnswers;
export function decodeOutputs(
  target: ValueTarget,
  outputs: Float32Array,
  rows: number,
): ValueAnswers;
export function decodeOutputs(
  target: TargetEncoding,
  outputs: Float32Array,
  rows: number,
): ClassAnswers | ValueAnswers;
export function decodeOutputs(
  target: TargetEncoding,
  outputs: Float32Array,
  rows: number,
): ClassAnswers | ValueAnswers {
  const k = target.task === 'classification' ? target.classes.length : 1;
  if (outputs.length !== rows * k) {
    throw new Error(`${outputs.length} outputs for ${rows} rows of ${k}`);
  }
  if (target.task === 'regression') {
    return { predictions: Array.from(outputs, (y) => y * target.std + target.mean) };
  }
  const predictions: (string | number)[] = new Array(rows);
  const probabilities: number[][] = new Array(rows);
  for (let r = 0; r < rows; r++) {
    const p = Array.from(outputs.subarray(r * k, (r + 1) * k));
    let best = 0;
    for (let j = 1; j < k; j++) if (p[j]! > p[best]!) best = j;
    predictions[r] = target.classes[best]!;
    probabilities[r] = p;
  }
  return { predictions, probabilities };
}
