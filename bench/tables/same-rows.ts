// Whether our model was evaluated on the rows the bench gave scikit-learn: the row count, and
// what the evaluation shows of the rows (each class's support; for regression the actual values
// it plots, which are all of them up to 500). A mismatch means the bench's split
// (bench/tables/held-out.ts) is not the worker's, and the comparison is not like for like.
import type { Evaluation } from '../../src/spec/index.js';

/** What differs, or undefined when the evaluation is consistent with `test`. */
export function rowsMismatch(
  evaluation: Evaluation,
  labels: readonly (string | number)[],
  test: readonly number[],
): string | undefined {
  if (evaluation.rows !== test.length) {
    return `the model held out ${evaluation.rows} rows, the bench ${test.length}`;
  }
  const held = test.map((i) => labels[i]!);
  if (evaluation.task === 'classification') {
    const { labels: classes, matrix } = evaluation.confusionMatrix;
    for (const [i, label] of classes.entries()) {
      const ours = matrix[i]!.reduce((a, b) => a + b, 0);
      const bench = held.filter((l) => String(l) === String(label)).length;
      if (ours !== bench)
        return `class ${label}: ${ours} held-out rows in the model, ${bench} here`;
    }
    return undefined;
  }
  const actual = evaluation.points?.actual;
  if (!actual) return undefined;
  return missingValue(
    [...actual].sort((a, b) => a - b),
    (held as number[]).slice().sort((a, b) => a - b),
    actual.length === test.length,
  );
}

// Each of `shown` matched to a distinct value of `all` (float32 rounding allowed); with `every`,
// all of `all` must be matched too.
function missingValue(shown: number[], all: number[], every: boolean): string | undefined {
  let j = 0;
  for (const value of shown) {
    const close = (v: number) => Math.abs(v - value) <= 1e-6 * Math.max(1, Math.abs(value));
    while (j < all.length && all[j]! < value && !close(all[j]!)) j++;
    if (j === all.length || !close(all[j]!)) {
      return `the model's held-out target ${value} is not among the bench's held-out rows`;
    }
    j++;
  }
  return every && shown.length !== all.length ? 'the held-out targets differ' : undefined;
}
