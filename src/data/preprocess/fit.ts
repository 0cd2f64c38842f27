// Fitting a table model's preprocessing (issue 14) on its training rows only: every statistic
// (fill values, means, spreads, the category lists) is counted over `trainRows`, never over the
// validation or test rows, so a model's score on those is honest. A column is counted once per
// training row (code -> count) and each dictionary text read once, then:
//   numeric      fill = median (the mean of the two middle values for an even count), mean or
//                fillValue; mean and std (population; 1 when 0) of the column with its blanks
//                filled; the "missing" indicator when the plan gives the column 2 inputs
//   boolean      fill = the more frequent of 0 and 1 (0 on a tie, as scikit-learn's smallest)
//   categorical  categories = the most frequent texts with at least minFrequency training rows,
//                most frequent first (ties by text, code point order), at most the plan's slots;
//                fill = null with a "missing" slot, else the most frequent text
//   datetime     fill = the median instant; mean and std of the filled column's fractional
//                year; hours when the plan gives the column 7 inputs
// A column with no present training cell fills with fillValue (numeric), 0 (boolean), null
// (categorical) or 1970-01-01 (datetime). A stored text its type cannot read counts as missing.
// Not the plan (plan.ts, widths from the profile), nor applying it (transform.ts).
import type { ColumnStep, Preprocessor } from '../../spec/preprocessing.js';
import { readBoolean, readDate, readNumber } from '../cell-readers.js';
import type { EncodedTable } from '../encoded-table.js';
import { fractionalYear, inputNamesOf, stepWidth } from './steps.js';
import type { ColumnPlan, PreprocessOptions, TablePlan } from './types.js';

export { fitTarget } from './target.js';

/** The preprocessing of `plan`'s columns, fitted on the table's `trainRows`. */
export function fitPreprocessor(
  table: EncodedTable,
  plan: TablePlan,
  trainRows: Uint32Array,
  missingTokens: readonly string[],
): Preprocessor {
  const columns = plan.inputs.map((column) => fitColumn(table, column, trainRows, plan.options));
  columns.forEach((step, k) => {
    if (stepWidth(step) !== plan.inputs[k]!.width) {
      throw new Error(
        `${step.name}: ${stepWidth(step)} inputs, the plan says ${plan.inputs[k]!.width}`,
      );
    }
  });
  const inputNames = inputNamesOf(columns);
  return {
    missingTokens: [...missingTokens],
    columns,
    skipped: plan.skipped.map((s) => ({ ...s })),
    width: inputNames.length,
    inputNames,
    options: { ...plan.options },
  };
}

/** How many of `rows` hold each dictionary entry of column c; the last count is the missing cells. */
export function countCodes(table: EncodedTable, c: number, rows: Uint32Array): Float64Array {
  const entries = table.dictionaries[c]!.length;
  const counts = new Float64Array(entries + 1);
  const codes = table.codes.subarray(c * table.rows, (c + 1) * table.rows);
  for (let i = 0; i < rows.length; i++) {
    const code = codes[rows[i]!]!;
    counts[code < 0 ? entries : code]++;
  }
  return counts;
}

function fitColumn(
  table: EncodedTable,
  column: ColumnPlan,
  rows: Uint32Array,
  options: PreprocessOptions,
): ColumnStep {
  const counts = countCodes(table, column.index, rows);
  const dictionary = table.dictionaries[column.index]!;
  const { name } = column;
  switch (column.type) {
    case 'numeric': {
      const values = dictionary.map((text) => readNumber(text));
      const fill = numericFill(values, counts, options);
      const { mean, std } = filledMoments(values, counts, fill);
      return { name, type: 'numeric', fill, mean, std, indicator: column.width === 2 };
    }
    case 'boolean': {
      const ones = [0, 0];
      dictionary.forEach((text, e) => {
        const b = readBoolean(text, true);
        if (b !== undefined) ones[b ? 1 : 0] += counts[e]!;
      });
      return { name, type: 'boolean', fill: ones[1]! > ones[0]! ? 1 : 0 };
    }
    case 'categorical':
      return fitCategories(table, column, counts, options);
    case 'datetime': {
      const instants = dictionary.map((text) => readDate(text)?.ms);
      const fill = median(instants, counts) ?? 0;
      const years = instants.map((ms) => (ms === undefined ? undefined : fractionalYear(ms)));
      const { mean, std } = filledMoments(years, counts, fractionalYear(fill));
      const hours = column.width === 7;
      return { name, type: 'datetime', fill, yearMean: mean, yearStd: std, hours };
    }
  }
}

function numericFill(
  values: (number | undefined)[],
  counts: Float64Array,
  options: PreprocessOptions,
): number {
  if (options.numericImpute === 'constant') return options.fillValue;
  const fill = options.numericImpute === 'mean' ? mean(values, counts) : median(values, counts);
  return fill ?? options.fillValue;
}

// Mean of the present values, each entry weighted by its count.
function mean(values: (number | undefined)[], counts: Float64Array): number | undefined {
  let sum = 0;
  let n = 0;
  values.forEach((v, e) => {
    if (v === undefined) return;
    sum += v * counts[e]!;
    n += counts[e]!;
  });
  return n > 0 ? sum / n : undefined;
}

/** The median of the present values, each entry counted counts[e] times; undefined for none. */
export function median(values: (number | undefined)[], counts: Float64Array): number | undefined {
  const present = values.flatMap((v, e) => (v !== undefined && counts[e]! > 0 ? [e] : []));
  present.sort((a, b) => values[a]! - values[b]!);
  const n = present.reduce((sum, e) => sum + counts[e]!, 0);
  if (n === 0) return undefined;
  // the values at 0-based sorted positions lo and hi (equal for an odd count)
  const lo = Math.floor((n - 1) / 2);
  const hi = Math.floor(n / 2);
  let seen = 0;
  let low: number | undefined;
  for (const e of present) {
    seen += counts[e]!;
    if (low === undefined && seen > lo) low = values[e]!;
    if (seen > hi) return (low! + values[e]!) / 2;
  }
  throw new Error('unreachable: the median is within the counts');
}

// Mean and population std of the column with missing (and unreadable) cells set to `fill`.
function filledMoments(
  values: (number | undefined)[],
  counts: Float64Array,
  fill: number,
): { mean: number; std: number } {
  let n = 0;
  let sum = 0;
  const at = (e: number) => values[e] ?? fill;
  for (let e = 0; e < counts.length; e++) {
    n += counts[e]!;
    sum += counts[e]! * at(e);
  }
  if (n === 0) return { mean: 0, std: 1 };
  const mean = sum / n;
  let squares = 0;
  for (let e = 0; e < counts.length; e++) squares += counts[e]! * (at(e) - mean) ** 2;
  const std = Math.sqrt(squares / n);
  return { mean, std: std > 0 ? std : 1 };
}

function fitCategories(
  table: EncodedTable,
  column: ColumnPlan,
  counts: Float64Array,
  options: PreprocessOptions,
): ColumnStep {
  const dictionary = table.dictionaries[column.index]!;
  // The plan gave a "missing" slot if the profile saw blanks; the stored rows say whether it did
  // (a layout, not a statistic). Blanks only in rows dropped for a missing label leave the
  // stored column without one: that input is then an unused category slot, the width the same.
  const missingSlot = options.categoricalImpute === 'missing' && hasMissing(table, column.index);
  const slots = column.width - 1 - (missingSlot ? 1 : 0);
  const byCount = dictionary
    .map((text, e) => ({ text, count: counts[e]! }))
    .filter((c) => c.count > 0)
    .sort((a, b) => b.count - a.count || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  const categories = byCount
    .filter((c) => c.count >= options.minFrequency)
    .slice(0, slots)
    .map((c) => c.text);
  const fill = missingSlot ? null : (byCount[0]?.text ?? null);
  return { name: column.name, type: 'categorical', categories, slots, fill, missingSlot };
}

function hasMissing(table: EncodedTable, c: number): boolean {
  const codes = table.codes.subarray(c * table.rows, (c + 1) * table.rows);
  return codes.includes(-1);
}
