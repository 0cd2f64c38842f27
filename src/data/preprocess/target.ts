// A table model's label as training targets (issue 14, "Labels and targets"), fitted from the
// stored label column:
//   classification  the classes are every distinct label value in the whole table (`allRows`),
//                   so the model can answer each one even if the test split took all its rows;
//                   numbers (sorted ascending, "1" and "1.0" one class) when every label text is
//                   a number, else the texts sorted by code unit (as < orders strings)
//   regression      mean and population std (1 when 0) over the training rows only; the target
//                   trained on is (y − mean) / std, un-scaled by decodeOutputs (transform.ts)
// Pure; not the inputs' preprocessing (fit.ts).
import type { TargetEncoding } from '../../spec/preprocessing.js';
import { readNumber } from '../cell-readers.js';
import type { EncodedTable } from '../encoded-table.js';
import type { TablePlan } from './types.js';

/** The label's encoding: classes from every row of `allRows`, a regression scale from `trainRows`. */
export function fitTarget(
  table: EncodedTable,
  plan: TablePlan,
  trainRows: Uint32Array,
  allRows: Uint32Array,
): TargetEncoding {
  const { name, index, task } = plan.label;
  const dictionary = table.dictionaries[index]!;
  const codes = labelCodes(table, index);
  if (task === 'regression') {
    let n = 0;
    let sum = 0;
    const values = dictionary.map((text) => readNumber(text));
    const valueAt = (i: number) => {
      const code = codes[trainRows[i]!]!;
      return code < 0 ? undefined : values[code];
    };
    for (let i = 0; i < trainRows.length; i++) {
      const y = valueAt(i);
      if (y === undefined) continue;
      n++;
      sum += y;
    }
    const mean = n > 0 ? sum / n : 0;
    let squares = 0;
    for (let i = 0; i < trainRows.length; i++) {
      const y = valueAt(i);
      if (y !== undefined) squares += (y - mean) ** 2;
    }
    const std = n > 0 ? Math.sqrt(squares / n) : 0;
    return { name, task, mean, std: std > 0 ? std : 1 };
  }
  const used = new Uint8Array(dictionary.length);
  for (let i = 0; i < allRows.length; i++) {
    const code = codes[allRows[i]!]!;
    if (code >= 0) used[code] = 1;
  }
  const texts = dictionary.filter((_, e) => used[e]);
  const numbers = texts.map((text) => readNumber(text));
  if (numbers.every((v) => v !== undefined)) {
    const classes = [...new Set(numbers as number[])].sort((a, b) => a - b);
    return { name, task, classes };
  }
  return { name, task, classes: texts.sort() };
}

function labelCodes(table: EncodedTable, c: number): Int32Array {
  return table.codes.subarray(c * table.rows, (c + 1) * table.rows);
}

/** Each of `rows`' class index in target.classes (-1 for a missing or unknown label). */
export function classesOfRows(
  table: EncodedTable,
  target: Extract<TargetEncoding, { task: 'classification' }>,
  labelIndex: number,
  rows: Uint32Array,
): Int32Array {
  const dictionary = table.dictionaries[labelIndex]!;
  const numeric = target.classes.every((c) => typeof c === 'number');
  const classIndex = new Map<string | number, number>(target.classes.map((c, k) => [c, k]));
  const ofEntry = Int32Array.from(dictionary, (text) => {
    const key = numeric ? readNumber(text) : text;
    return key === undefined ? -1 : (classIndex.get(key) ?? -1);
  });
  const codes = labelCodes(table, labelIndex);
  const out = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const code = codes[rows[i]!]!;
    out[i] = code < 0 ? -1 : ofEntry[code]!;
  }
  return out;
}

/** Each of `rows`' standardised target (y − mean) / std; NaN for a missing label. */
export function valuesOfRows(
  table: EncodedTable,
  target: Extract<TargetEncoding, { task: 'regression' }>,
  labelIndex: number,
  rows: Uint32Array,
): Float32Array {
  const ofEntry = table.dictionaries[labelIndex]!.map((text) => {
    const y = readNumber(text);
    return y === undefined ? Number.NaN : (y - target.mean) / target.std;
  });
  const codes = labelCodes(table, labelIndex);
  const out = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const code = codes[rows[i]!]!;
    out[i] = code < 0 ? Number.NaN : ofEntry[code]!;
  }
  return out;
}
