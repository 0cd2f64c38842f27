// The compact plain-text report of a model's held-out evaluation that `backprop train` and
// `backprop status` print: headline numbers, and for classes the confusion matrix as an aligned
// table. Lines only: the caller writes them. Not the metrics (src/engine/evaluation.ts).
import type {
  ClassificationEvaluation,
  Evaluation,
  RegressionEvaluation,
} from '../spec/evaluation.js';

/** Classes shown in the confusion matrix; past this, the largest (by support) and "other". */
export const reportClasses = 12;
const nameWidth = 12;

export function evaluationReport(e: Evaluation): string[] {
  const rows = `evaluation on ${e.rows} held-out row${e.rows === 1 ? '' : 's'}`;
  return e.task === 'classification'
    ? [rows, ...classificationLines(e)]
    : [rows, ...regressionLines(e)];
}

function classificationLines(e: ClassificationEvaluation): string[] {
  return [
    field('accuracy', `${(100 * e.accuracy).toFixed(1)}%`),
    field('log loss', e.logLoss.toFixed(4)),
    field('macro F1', e.macroF1.toFixed(4)),
    field(
      'ROC AUC',
      e.rocAuc === undefined ? 'n/a (a class has no held-out row)' : e.rocAuc.toFixed(4),
    ),
    `  confusion matrix (rows: true class, columns: predicted${folding(e.confusionMatrix.labels.length)})`,
    ...table(shownMatrix(e)).map((line) => `    ${line}`),
  ];
}

function regressionLines(e: RegressionEvaluation): string[] {
  return [
    field('MAE', significant(e.mae)),
    field('RMSE', significant(e.rmse)),
    field('R²', e.r2.toFixed(4)),
  ];
}

const field = (name: string, value: string) => `  ${name.padEnd(10)} ${value}`;

// four significant digits, never in exponent form for ordinary magnitudes (123500, 0.001234)
const significant = (x: number) => String(Number(x.toPrecision(4)));

const folding = (k: number) =>
  k <= reportClasses
    ? ''
    : `; the ${reportClasses - 1} classes with the most rows, the other ${k - reportClasses + 1} summed`;

// The matrix as shown: every class up to reportClasses; past that, the reportClasses − 1 classes
// with the most held-out rows (in the model's order) and one "other" row and column summing the
// rest, so rows and columns still add up to the held-out rows.
function shownMatrix(e: ClassificationEvaluation): { names: string[]; matrix: number[][] } {
  const { labels, matrix } = e.confusionMatrix;
  const names = labels.map(nameOf);
  if (labels.length <= reportClasses) return { names, matrix };
  const support = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const kept = labels
    .map((_, c) => c)
    .sort((a, b) => support[b]! - support[a]! || a - b)
    .slice(0, reportClasses - 1)
    .sort((a, b) => a - b);
  const slot = labels.map((_, c) => (kept.includes(c) ? kept.indexOf(c) : kept.length));
  const folded = Array.from({ length: kept.length + 1 }, () =>
    new Array<number>(kept.length + 1).fill(0),
  );
  matrix.forEach((row, t) => row.forEach((n, p) => (folded[slot[t]!]![slot[p]!]! += n)));
  const other = `other (${labels.length - kept.length})`;
  return { names: [...kept.map((c) => names[c]!), other], matrix: folded };
}

function nameOf(label: string | number): string {
  const name = label === '' ? '""' : String(label);
  return name.length > nameWidth ? `${name.slice(0, nameWidth - 1)}…` : name;
}

// Row names left-aligned, counts right-aligned under their column's name, two spaces apart.
function table({ names, matrix }: { names: string[]; matrix: number[][] }): string[] {
  const first = Math.max(...names.map((n) => n.length));
  const widths = names.map((n, c) =>
    Math.max(n.length, ...matrix.map((row) => String(row[c]).length)),
  );
  const line = (head: string, cells: string[]) =>
    [head.padEnd(first), ...cells.map((cell, c) => cell.padStart(widths[c]!))].join('  ').trimEnd();
  return [line('', names), ...matrix.map((row, t) => line(names[t]!, row.map(String)))];
}
