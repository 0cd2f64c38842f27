// A stored table made ready to train on (issue 14): its labelled rows split into training and
// test rows (split.ts, stratified by class), the preprocessing and the regression target's scale
// fitted on the rows the engine will train on, and both sets encoded as Datasets. The engine then
// holds out validationSplitOf(train.rows, {validationSplit, seed}) of the training Dataset (in
// the order given) for early stopping; those rows are left out of the fitting here too, so no
// statistic sees a validation or test row. Pure; not the plan (plan.ts) nor the training.
import { validationSplitOf } from '../../engine/index.js';
import { ValidationError } from '../../errors.js';
import type { Dataset } from '../dataset-types.js';
import type { EncodedTable } from '../encoded-table.js';
import { type FoldChoice, foldSplit } from '../folds.js';
import { oneHot } from '../labels.js';
import { fitPreprocessor } from './fit.js';
import { testSplitOf } from './split.js';
import { classesOfRows, fitTarget, valuesOfRows } from './target.js';
import { transformTable } from './transform.js';
import type { Preprocessor, TablePlan, TargetEncoding } from './types.js';

export interface PrepareOptions {
  /** Fraction of the labelled rows held out for evaluation (0: none). */
  testSplit: number;
  /** The engine's validationSplit, to leave its rows out of the fitting. */
  validationSplit: number;
  seed: number;
  /** As at upload: the preprocessing keeps them for predict's records. */
  missingTokens: readonly string[];
  /**
   * Warm start from a table model: its preprocessing and target encoding, used as they are
   * instead of fitted here (so these rows are encoded as the model's were). Its columns are found
   * by name in this table (fittedColumnsOf); the test split still applies.
   */
  fitted?: { preprocessor: Preprocessor; target: TargetEncoding };
  /**
   * A cross-validation fold job (issue 17): its fold of the training rows validates in place of
   * validationSplit (folds.ts foldSplit), so those rows are left out of the fitting instead.
   */
  fold?: FoldChoice;
}

export interface PreparedTable {
  /** The rows to give the engine, in table order. */
  train: Dataset;
  /** The held-out rows, or null when testSplit holds none out. */
  test: Dataset | null;
  /** The test rows' positions in the stored table, ascending. */
  testRows: Uint32Array;
  preprocessor: Preprocessor;
  target: TargetEncoding;
}

export function prepareTable(
  table: EncodedTable,
  plan: TablePlan,
  options: PrepareOptions,
): PreparedTable {
  const labelled = labelledRows(table, plan.label.index);
  if (labelled.length === 0) {
    throw new ValidationError([
      { path: 'dataset', message: `has no row with a label ${plan.label.name} to train on` },
    ]);
  }
  // Classes come from every labelled row (so stratifying can use them); a scale from training rows.
  const { fitted } = options;
  let target =
    fitted?.target ??
    (plan.label.task === 'classification' ? fitTarget(table, plan, labelled, labelled) : undefined);
  const classOf =
    target?.task === 'classification'
      ? classesOfRows(table, target, plan.label.index, labelled)
      : undefined;
  if (fitted && classOf) refuseUnknownClasses(table, plan, labelled, classOf);
  const split = testSplitOf(labelled.length, options.testSplit, options.seed, classOf);
  const trainRows = pick(labelled, split.train);
  const testRows = pick(labelled, split.test);
  const kept = options.fold
    ? foldSplit(
        classOf ? Int32Array.from(split.train, (p) => classOf[p]!) : null,
        trainRows.length,
        options.fold,
        options.seed,
      ).train
    : validationSplitOf(trainRows.length, options)[0];
  const fitRows = keptRows(trainRows, kept);
  const preprocessor =
    fitted?.preprocessor ?? fitPreprocessor(table, plan, fitRows, options.missingTokens);
  target ??= fitTarget(table, plan, fitRows, labelled);
  const columns = fitted
    ? fittedColumnsOf(table, fitted.preprocessor)
    : plan.inputs.map((c) => c.index);
  const encode = (rows: Uint32Array) =>
    datasetOf(table, plan, columns, preprocessor, target!, rows);
  return {
    train: encode(trainRows),
    test: testRows.length > 0 ? encode(testRows) : null,
    testRows,
    preprocessor,
    target,
  };
}

/** The rows whose label cell is present, ascending. */
export function labelledRows(table: EncodedTable, labelIndex: number): Uint32Array {
  const codes = table.codes.subarray(labelIndex * table.rows, (labelIndex + 1) * table.rows);
  let n = 0;
  for (let r = 0; r < codes.length; r++) if (codes[r]! >= 0) n++;
  const rows = new Uint32Array(n);
  let i = 0;
  for (let r = 0; r < codes.length; r++) if (codes[r]! >= 0) rows[i++] = r;
  return rows;
}

function pick(rows: Uint32Array, positions: Uint32Array): Uint32Array {
  const picked = new Uint32Array(positions.length);
  for (let i = 0; i < positions.length; i++) picked[i] = rows[positions[i]!]!;
  return picked;
}

// The rows at positions `kept` (in any order) of ascending `rows`, ascending.
function keptRows(rows: Uint32Array, kept: Uint32Array): Uint32Array {
  const mask = new Uint8Array(rows.length);
  for (let i = 0; i < kept.length; i++) mask[kept[i]!] = 1;
  const out = new Uint32Array(kept.length);
  let j = 0;
  for (let p = 0; p < rows.length; p++) if (mask[p]) out[j++] = rows[p]!;
  return out;
}

// A warm start's classes are the model's: a row of another class could not be trained on.
function refuseUnknownClasses(
  table: EncodedTable,
  plan: TablePlan,
  labelled: Uint32Array,
  classOf: Int32Array,
): void {
  const c = plan.label.index;
  const unknown = new Set<string>();
  classOf.forEach((k, i) => {
    if (k < 0) unknown.add(table.dictionaries[c]![table.codes[c * table.rows + labelled[i]!]!]!);
  });
  if (unknown.size === 0) return;
  const some = [...unknown].slice(0, 5).join(', ');
  throw new ValidationError([
    {
      path: 'dataset',
      message: `has rows labelled ${some}${unknown.size > 5 ? ', …' : ''}, not a class of the model to start from (training.initFrom): drop those rows or train a new model`,
    },
  ]);
}

/**
 * Where each of a fitted preprocessor's columns is in `table`, by name; a 400 naming every column
 * the table lacks.
 */
export function fittedColumnsOf(table: EncodedTable, preprocessor: Preprocessor): number[] {
  const columns = preprocessor.columns.map((step) => table.header.indexOf(step.name));
  const missing = preprocessor.columns.filter((_, k) => columns[k]! < 0).map((s) => s.name);
  if (missing.length > 0) {
    throw new ValidationError([
      {
        path: 'dataset',
        message: `has no column ${missing.join(', ')}, which the model to start from (training.initFrom) takes as input: upload a table with the model's columns`,
      },
    ]);
  }
  return columns;
}

function datasetOf(
  table: EncodedTable,
  plan: TablePlan,
  columns: readonly number[],
  preprocessor: Preprocessor,
  target: TargetEncoding,
  rows: Uint32Array,
): Dataset {
  const inputs = transformTable(preprocessor, table, columns, rows);
  const base = {
    rows: rows.length,
    features: preprocessor.width,
    inputs,
    featureNames: [...preprocessor.inputNames],
  };
  if (target.task === 'regression') {
    const targets = valuesOfRows(table, target, plan.label.index, rows);
    return { ...base, outputs: 1, targets };
  }
  const labels = classesOfRows(table, target, plan.label.index, rows);
  const classes = target.classes.length;
  return {
    ...base,
    outputs: classes,
    targets: oneHot(labels, classes),
    labels,
    classes: [...target.classes],
  };
}
