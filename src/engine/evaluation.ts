// A model's metrics on held-out rows, computed in float64 exactly as scikit-learn 1.2's
// sklearn.metrics does (test/fixtures/evaluation, scripts/evaluation-fixtures.py): accuracy,
// log loss, confusion matrix, per-class precision/recall/F1, ROC AUC and curves for classes;
// MAE, RMSE and R² for numbers. The result's shape is src/spec/evaluation.ts's schema. Not
// here: running the model, choosing the held-out rows, or showing the numbers.
import { areaUnder, type RocPoints, rocCurve, thinCurve } from './roc.js';

export type ClassLabel = string | number;

export interface ClassMetrics {
  label: ClassLabel;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationEvaluation {
  task: 'classification';
  rows: number;
  accuracy: number;
  logLoss: number;
  confusionMatrix: { labels: ClassLabel[]; matrix: number[][] };
  perClass: ClassMetrics[];
  macroF1: number;
  weightedF1: number;
  rocAuc?: number;
  rocCurves?: (RocPoints & { label: ClassLabel })[];
}

export interface RegressionEvaluation {
  task: 'regression';
  rows: number;
  mae: number;
  rmse: number;
  r2: number;
  points?: { actual: number[]; predicted: number[] };
}

/** log_loss clips probabilities to [eps, 1 − eps] (the service's contract: 1e-15). */
export const logLossEpsilon = 1e-15;
/** Points kept per ROC curve, and predicted-vs-actual points kept, for drawing. */
export const rocCurvePoints = 201;
export const regressionPoints = 500;

/**
 * probabilities is (rows, K) row-major, K = classes.length; truth[r] is row r's class index.
 * The prediction is the most probable class, ties to the lowest index. Precision, recall and F1
 * are 0 where undefined (scikit-learn's zero_division=0). rocAuc is there when every class has
 * a positive and a negative row; rocCurves holds a curve for each class that has (binary: the
 * second class only), absent when none has.
 */
export function evaluateClassification(
  probabilities: Float32Array | Float64Array,
  truth: Int32Array | number[],
  classes: ClassLabel[],
): ClassificationEvaluation {
  const k = classes.length;
  const rows = truth.length;
  checkClassification(probabilities, truth, k);
  const matrix = classes.map(() => new Array<number>(k).fill(0));
  let lossSum = 0;
  for (let r = 0; r < rows; r++) {
    matrix[truth[r]!]![argmax(probabilities, r * k, k)]!++;
    lossSum += rowLogLoss(probabilities, r * k, k, truth[r]!);
  }
  const perClass = classes.map((label, c) => classMetrics(label, matrix, c));
  const curves = curvesOf(probabilities, truth, classes);
  return {
    task: 'classification',
    rows,
    accuracy: matrix.reduce((sum, row, c) => sum + row[c]!, 0) / rows,
    logLoss: lossSum / rows,
    confusionMatrix: { labels: [...classes], matrix },
    perClass,
    macroF1: perClass.reduce((sum, m) => sum + m.f1, 0) / k,
    weightedF1: perClass.reduce((sum, m) => sum + m.f1 * m.support, 0) / rows,
    ...(curves.auc === undefined ? {} : { rocAuc: curves.auc }),
    ...(curves.drawn.length === 0 ? {} : { rocCurves: curves.drawn }),
  };
}

function checkClassification(
  probabilities: Float32Array | Float64Array,
  truth: Int32Array | number[],
  k: number,
): void {
  if (truth.length === 0) throw new Error('evaluateClassification: no rows to evaluate');
  if (k === 0) throw new Error('evaluateClassification: no classes');
  if (probabilities.length !== truth.length * k) {
    throw new Error(
      `evaluateClassification: ${probabilities.length} probabilities for ${truth.length} rows of ${k} classes`,
    );
  }
  for (let r = 0; r < truth.length; r++) {
    const t = truth[r]!;
    if (!Number.isInteger(t) || t < 0 || t >= k) {
      throw new Error(`evaluateClassification: row ${r}'s class index ${t} is not in 0..${k - 1}`);
    }
  }
  const bad = probabilities.findIndex((p) => !Number.isFinite(p));
  if (bad >= 0) {
    throw new Error(
      `evaluateClassification: row ${Math.floor(bad / k)}'s probability ${probabilities[bad]} is not a finite number`,
    );
  }
}

// The first index of the largest of y[offset .. offset + k).
function argmax(y: ArrayLike<number>, offset: number, k: number): number {
  let best = 0;
  for (let c = 1; c < k; c++) if (y[offset + c]! > y[offset + best]!) best = c;
  return best;
}

// −log of the true class's probability, after clipping every probability of the row to
// [eps, 1 − eps] and renormalising the row to sum 1 (sklearn 1.2's log_loss).
function rowLogLoss(y: ArrayLike<number>, offset: number, k: number, t: number): number {
  const clip = (p: number) => Math.min(Math.max(p, logLossEpsilon), 1 - logLossEpsilon);
  let sum = 0;
  for (let c = 0; c < k; c++) sum += clip(y[offset + c]!);
  return -Math.log(clip(y[offset + t]!) / sum);
}

function classMetrics(label: ClassLabel, matrix: number[][], c: number): ClassMetrics {
  const tp = matrix[c]![c]!;
  const support = matrix[c]!.reduce((sum, n) => sum + n, 0);
  const predicted = matrix.reduce((sum, row) => sum + row[c]!, 0);
  const precision = predicted === 0 ? 0 : tp / predicted;
  const recall = support === 0 ? 0 : tp / support;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { label, precision, recall, f1, support };
}

// One-vs-rest curves: binary ranks the second class only; the AUC (macro mean over classes)
// needs every ranked class to have a curve.
function curvesOf(
  probabilities: Float32Array | Float64Array,
  truth: Int32Array | number[],
  classes: ClassLabel[],
): { auc: number | undefined; drawn: (RocPoints & { label: ClassLabel })[] } {
  const k = classes.length;
  const ranked = k === 2 ? [1] : classes.map((_, c) => c);
  const curves = ranked.map((c) => rocCurve(probabilities, truth, truth.length, k, c));
  const defined = k >= 2 && curves.every((curve) => curve !== null);
  const auc = defined
    ? curves.reduce((sum, curve) => sum + areaUnder(curve!), 0) / curves.length
    : undefined;
  const drawn = curves.flatMap((curve, i) =>
    curve === null ? [] : [{ label: classes[ranked[i]!]!, ...thinCurve(curve, rocCurvePoints) }],
  );
  return { auc, drawn };
}

/**
 * predicted and actual are (rows, outputs) row-major. MAE, RMSE and R² are computed per output
 * and averaged uniformly (sklearn's multioutput='uniform_average'; RMSE is the mean of the
 * outputs' RMSEs). An output whose actual values are all equal has R² 1 if predicted exactly,
 * else 0 (sklearn's force_finite; one row counts as constant, where sklearn would say NaN).
 * points (single output only): every row up to 500 rows; past that, 500 rows picked evenly
 * by index, row round(i · (rows − 1) / 499) for i = 0..499, first and last included.
 */
export function evaluateRegression(
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  outputs = 1,
): RegressionEvaluation {
  const rows = checkRegression(predicted, actual, outputs);
  let mae = 0;
  let rmse = 0;
  let r2 = 0;
  for (let o = 0; o < outputs; o++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += actual[r * outputs + o]!;
    mean /= rows;
    let absolute = 0;
    let squared = 0;
    let spread = 0;
    for (let r = 0; r < rows; r++) {
      const a = actual[r * outputs + o]!;
      const e = a - predicted[r * outputs + o]!;
      absolute += Math.abs(e);
      squared += e * e;
      spread += (a - mean) * (a - mean);
    }
    mae += absolute / rows;
    rmse += Math.sqrt(squared / rows);
    r2 += squared === 0 ? 1 : spread === 0 ? 0 : 1 - squared / spread;
  }
  const result: RegressionEvaluation = {
    task: 'regression',
    rows,
    mae: mae / outputs,
    rmse: rmse / outputs,
    r2: r2 / outputs,
  };
  if (outputs === 1) result.points = pointsOf(predicted, actual, rows);
  return result;
}

function checkRegression(
  predicted: ArrayLike<number>,
  actual: ArrayLike<number>,
  outputs: number,
): number {
  if (!Number.isInteger(outputs) || outputs < 1) {
    throw new Error(`evaluateRegression: outputs ${outputs} is not a positive integer`);
  }
  if (predicted.length !== actual.length || actual.length % outputs !== 0) {
    throw new Error(
      `evaluateRegression: ${predicted.length} predicted and ${actual.length} actual values do not make rows of ${outputs} outputs`,
    );
  }
  if (actual.length === 0) throw new Error('evaluateRegression: no rows to evaluate');
  for (const [name, values] of [
    ['predicted', predicted],
    ['actual', actual],
  ] as const) {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new Error(
          `evaluateRegression: row ${Math.floor(i / outputs)}'s ${name} value ${values[i]} is not a finite number`,
        );
      }
    }
  }
  return actual.length / outputs;
}

function pointsOf(predicted: ArrayLike<number>, actual: ArrayLike<number>, rows: number) {
  const picks =
    rows <= regressionPoints
      ? Array.from({ length: rows }, (_, r) => r)
      : Array.from({ length: regressionPoints }, (_, i) =>
          Math.round((i * (rows - 1)) / (regressionPoints - 1)),
        );
  return { actual: picks.map((r) => actual[r]!), predicted: picks.map((r) => predicted[r]!) };
}
