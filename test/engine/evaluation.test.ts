// Evaluation metrics against scikit-learn 1.2.1's answers (test/fixtures/evaluation, written by
// scripts/evaluation-fixtures.py), small cases worked by hand, and properties.
//
// Tolerance: |actual − expected| ≤ 1e-9 · max(1, |expected|). Both sides are float64 on the same
// inputs and differ only by summation order (numpy sums pairwise) and the log's last bit:
// at most 1.3e-15 on these fixtures. A convention error moves a number far more: clipping at
// 2.2e-16 instead of 1e-15 moves a clipped row's loss by 1.5, one tied pair counted whole
// instead of half moves an AUC by 1/(positives · negatives) ≥ 1.7e-6 here, a missed
// zero_division or argmax tie a whole class's F1.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ClassLabel,
  evaluateClassification,
  evaluateRegression,
} from '../../src/engine/index.js';
import { rocCurve, thinCurve } from '../../src/engine/roc.js';
import {
  type ClassificationEvaluation,
  classificationEvaluationSchema,
  type RegressionEvaluation,
  regressionEvaluationSchema,
} from '../../src/spec/evaluation.js';

interface ClassificationCase {
  name: string;
  task: 'classification';
  classes: ClassLabel[];
  probabilities: number[][];
  truth: number[];
  expected: Omit<ClassificationEvaluation, 'task'>;
}
interface RegressionCase {
  name: string;
  task: 'regression';
  outputs: number;
  predicted: number[];
  actual: number[];
  expected: { rows: number; mae: number; rmse: number; r2: number };
}

const dir = new URL('../fixtures/evaluation/', import.meta.url);
const cases = readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { task: string });
const classificationCases = cases.filter(
  (c) => c.task === 'classification',
) as ClassificationCase[];
const regressionCases = cases.filter((c) => c.task === 'regression') as RegressionCase[];

function close(actual: number | undefined, expected: number, tolerance = 1e-9) {
  expect(actual).toBeTypeOf('number');
  const error = Math.abs(actual! - expected);
  if (error > tolerance * Math.max(1, Math.abs(expected))) expect(actual).toBe(expected);
}

function closeAll(actual: number[], expected: number[]) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => close(a, expected[i]!));
}

describe('evaluateClassification against scikit-learn 1.2.1', () => {
  it('has the fixtures', () => {
    expect(classificationCases.map((c) => c.name).sort()).toEqual([
      'binary-clipped',
      'binary-imperfect',
      'binary-large',
      'multiclass-absent-class',
      'multiclass-large',
      'multiclass-never-predicted',
      'multiclass-ties',
    ]);
  });

  for (const c of classificationCases) {
    describe(c.name, () => {
      const flat = c.probabilities.flat();
      const result = evaluateClassification(Float64Array.from(flat), c.truth, c.classes);
      const e = c.expected;

      it('rows, accuracy, log loss, confusion matrix, per class, F1', () => {
        expect(result.rows).toBe(e.rows);
        close(result.accuracy, e.accuracy);
        close(result.logLoss, e.logLoss);
        expect(result.confusionMatrix).toEqual(e.confusionMatrix);
        expect(result.perClass).toHaveLength(e.perClass.length);
        result.perClass.forEach((m, i) => {
          const want = e.perClass[i]!;
          expect([m.label, m.support]).toEqual([want.label, want.support]);
          close(m.precision, want.precision);
          close(m.recall, want.recall);
          close(m.f1, want.f1);
        });
        close(result.macroF1, e.macroF1);
        close(result.weightedF1, e.weightedF1);
      });

      it('ROC AUC, or none where a class has no positive or no negative row', () => {
        if (e.rocAuc === undefined) expect(result).not.toHaveProperty('rocAuc');
        else close(result.rocAuc, e.rocAuc);
      });

      it("each ROC curve point by point, then thinned to 201 of scikit-learn's points", () => {
        const k = c.classes.length;
        const expectedCurves = e.rocCurves ?? [];
        expect(result.rocCurves?.map((curve) => curve.label) ?? []).toEqual(
          expectedCurves.map((curve) => curve.label),
        );
        expectedCurves.forEach((want, i) => {
          const column = c.classes.indexOf(want.label);
          const full = rocCurve(flat, c.truth, c.truth.length, k, column)!;
          closeAll(full.fpr, want.fpr);
          closeAll(full.tpr, want.tpr);
          const thinned = thinCurve(want, 201);
          expect(thinned.fpr.length).toBe(Math.min(201, want.fpr.length));
          closeAll(result.rocCurves![i]!.fpr, thinned.fpr);
          closeAll(result.rocCurves![i]!.tpr, thinned.tpr);
        });
      });

      it('answers the same from a Float32Array (the inputs are float32 values)', () => {
        expect(evaluateClassification(Float32Array.from(flat), c.truth, c.classes)).toEqual(result);
        expect(
          evaluateClassification(Float32Array.from(flat), Int32Array.from(c.truth), c.classes),
        ).toEqual(result);
      });

      it("parses as the spec's ClassificationEvaluation", () => {
        const typed: ClassificationEvaluation = result; // the engine's type fits the spec's
        expect(classificationEvaluationSchema.parse(typed)).toEqual(result);
      });
    });
  }

  it('thins a long curve to 201 points, from (0, 0) to (1, 1)', () => {
    const c = classificationCases.find((x) => x.name === 'binary-large')!;
    expect(c.expected.rocCurves![0]!.fpr.length).toBeGreaterThan(201);
    const [curve] = evaluateClassification(
      Float64Array.from(c.probabilities.flat()),
      c.truth,
      c.classes,
    ).rocCurves!;
    expect(curve!.fpr).toHaveLength(201);
    expect([curve!.fpr[0], curve!.tpr[0], curve!.fpr[200], curve!.tpr[200]]).toEqual([0, 0, 1, 1]);
  });
});

describe('evaluateRegression against scikit-learn 1.2.1', () => {
  it('has the fixtures', () => {
    expect(regressionCases.map((c) => c.name).sort()).toEqual([
      'regression-constant',
      'regression-large',
      'regression-multi',
      'regression-multi-constant-column',
      'regression-single',
    ]);
  });

  for (const c of regressionCases) {
    it(`${c.name}: rows, MAE, RMSE, R², points`, () => {
      const result = evaluateRegression(Float32Array.from(c.predicted), c.actual, c.outputs);
      expect(result.rows).toBe(c.expected.rows);
      close(result.mae, c.expected.mae);
      close(result.rmse, c.expected.rmse);
      close(result.r2, c.expected.r2);
      if (c.outputs > 1) expect(result).not.toHaveProperty('points');
      else {
        const rows = c.actual.length;
        const picks =
          rows <= 500
            ? c.actual.map((_, r) => r)
            : Array.from({ length: 500 }, (_, i) => Math.round((i * (rows - 1)) / 499));
        expect(result.points).toEqual({
          actual: picks.map((r) => c.actual[r]),
          predicted: picks.map((r) => c.predicted[r]),
        });
      }
      const typed: RegressionEvaluation = result;
      expect(regressionEvaluationSchema.parse(typed)).toEqual(result);
    });
  }
});

describe('evaluateClassification by hand', () => {
  // scikit-learn's roc_curve example: AUC 0.75
  const p1 = [0.1, 0.4, 0.35, 0.8];
  const binary = evaluateClassification(
    Float64Array.from(p1.flatMap((p) => [1 - p, p])),
    [0, 0, 1, 1],
    ['cat', 'dog'],
  );

  it('four rows, two classes', () => {
    expect(binary.accuracy).toBe(0.75);
    close(binary.logLoss, -(Math.log(0.9) + Math.log(0.6) + Math.log(0.35) + Math.log(0.8)) / 4);
    expect(binary.confusionMatrix).toEqual({
      labels: ['cat', 'dog'],
      matrix: [
        [2, 0],
        [1, 1],
      ],
    });
    close(binary.perClass[0]!.precision, 2 / 3);
    expect(binary.perClass[0]!.recall).toBe(1);
    close(binary.perClass[0]!.f1, 0.8);
    expect([binary.perClass[1]!.precision, binary.perClass[1]!.recall]).toEqual([1, 0.5]);
    close(binary.perClass[1]!.f1, 2 / 3);
    close(binary.macroF1, (0.8 + 2 / 3) / 2);
    close(binary.weightedF1, (0.8 + 2 / 3) / 2);
    expect(binary.rocAuc).toBe(0.75);
    expect(binary.rocCurves).toEqual([
      { label: 'dog', fpr: [0, 0, 0.5, 0.5, 1], tpr: [0, 0.5, 0.5, 1, 1] },
    ]);
  });

  it('tied scores take one diagonal step; an argmax tie goes to the first class', () => {
    const all = evaluateClassification(
      Float64Array.of(0.5, 0.5, 0.5, 0.5, 0.5, 0.5),
      [0, 1, 1],
      [0, 1],
    );
    expect(all.confusionMatrix.matrix).toEqual([
      [1, 0],
      [2, 0],
    ]);
    expect(all.rocAuc).toBe(0.5);
    expect(all.rocCurves![0]).toMatchObject({ fpr: [0, 1], tpr: [0, 1] });
    // positives at 0.7 and 0.2, a negative at 0.7: the pairs score ½ and 0
    const some = evaluateClassification(
      Float64Array.of(0.3, 0.7, 0.3, 0.7, 0.8, 0.2),
      [1, 0, 1],
      [0, 1],
    );
    expect(some.rocCurves![0]).toMatchObject({ fpr: [0, 1, 1], tpr: [0, 0.5, 1] });
    expect(some.rocAuc).toBe(0.25);
  });

  it('clips a probability of 0 at 1e-15', () => {
    const e = evaluateClassification(Float64Array.of(0, 1, 1, 0), [0, 0], ['a', 'b']);
    close(e.logLoss, (-Math.log(1e-15) - Math.log(1 - 1e-15)) / 2);
  });

  it('leaves out the AUC when a class has no row, and the curve when a class is everything', () => {
    const one = evaluateClassification(Float64Array.of(0.2, 0.8, 0.6, 0.4), [1, 1], ['a', 'b']);
    expect(one).not.toHaveProperty('rocAuc');
    expect(one).not.toHaveProperty('rocCurves');
    expect(one.perClass[0]).toEqual({ label: 'a', precision: 0, recall: 0, f1: 0, support: 0 });
    const three = evaluateClassification(
      Float64Array.of(0.6, 0.3, 0.1, 0.2, 0.7, 0.1, 0.5, 0.1, 0.4),
      [0, 1, 0],
      ['x', 'y', 'z'],
    );
    expect(three).not.toHaveProperty('rocAuc');
    expect(three.rocCurves!.map((curve) => curve.label)).toEqual(['x', 'y']);
    expect(three.macroF1).toBeCloseTo(2 / 3, 12); // z's F1 is 0 and counts
  });

  it('refuses nothing to evaluate and inputs that do not fit', () => {
    expect(() => evaluateClassification(new Float64Array(0), [], ['a', 'b'])).toThrow(/no rows/);
    expect(() => evaluateClassification(new Float64Array(3), [0, 1], ['a', 'b'])).toThrow(
      /3 probabilities for 2 rows of 2 classes/,
    );
    expect(() => evaluateClassification(new Float64Array(4), [0, 2], ['a', 'b'])).toThrow(
      /row 1's class index 2 is not in 0..1/,
    );
    expect(() =>
      evaluateClassification(Float64Array.of(0.5, 0.5, Number.NaN, 1), [0, 1], ['a', 'b']),
    ).toThrow(/row 1's probability NaN/);
  });
});

describe('evaluateRegression by hand', () => {
  it('one output', () => {
    const e = evaluateRegression([1, 2, 3, 5], [1, 2, 3, 4]);
    expect([e.rows, e.mae, e.rmse, e.r2]).toEqual([4, 0.25, 0.5, 0.8]);
    expect(e.points).toEqual({ actual: [1, 2, 3, 4], predicted: [1, 2, 3, 5] });
  });

  it('a constant target: R² 1 if exact, else 0 (one row too, where sklearn says NaN)', () => {
    expect(evaluateRegression([2, 2, 2], [2, 2, 2]).r2).toBe(1);
    expect(evaluateRegression([2, 2, 3], [2, 2, 2]).r2).toBe(0);
    expect(evaluateRegression([4], [3])).toMatchObject({ rows: 1, mae: 1, rmse: 1, r2: 0 });
  });

  it('two outputs: each averaged per output, RMSE too', () => {
    const e = evaluateRegression([1, 0, 1, 2], [0, 0, 0, 0], 2);
    expect([e.mae, e.r2]).toEqual([(1 + 1) / 2, 0]);
    close(e.rmse, (1 + Math.SQRT2) / 2);
    expect(e).not.toHaveProperty('points');
  });

  it('refuses nothing to evaluate and inputs that do not fit', () => {
    expect(() => evaluateRegression([], [])).toThrow(/no rows/);
    expect(() => evaluateRegression([1, 2], [1, 2, 3])).toThrow(/2 predicted and 3 actual/);
    expect(() => evaluateRegression([1, 2, 3], [1, 2, 3], 2)).toThrow(/rows of 2 outputs/);
    expect(() => evaluateRegression([1, Number.POSITIVE_INFINITY], [1, 2])).toThrow(
      /row 1's predicted value Infinity/,
    );
  });
});

describe('properties', () => {
  // rows of K scores on a grid of 21 values: ties are common, and a monotone map keeps them
  const table = fc
    .integer({ min: 2, max: 5 })
    .chain((k) =>
      fc.record({
        k: fc.constant(k),
        truth: fc.array(fc.integer({ min: 0, max: k - 1 }), { minLength: 1, maxLength: 40 }),
        grid: fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 40 * k, maxLength: 40 * k }),
      }),
    )
    .map(({ k, truth, grid }) => ({
      k,
      truth,
      classes: Array.from({ length: k }, (_, c) => `c${c}`),
      scores: grid.slice(0, truth.length * k).map((g) => g / 20),
    }));

  it('accuracy is the trace over rows; the matrix counts every row once by its truth', () => {
    fc.assert(
      fc.property(table, ({ k, truth, classes, scores }) => {
        const e = evaluateClassification(Float64Array.from(scores), truth, classes);
        const m = e.confusionMatrix.matrix;
        expect(e.accuracy).toBe(m.reduce((sum, row, c) => sum + row[c]!, 0) / truth.length);
        m.forEach((row, c) => {
          expect(row.reduce((a, b) => a + b, 0)).toBe(truth.filter((t) => t === c).length);
        });
        expect(e.perClass.reduce((sum, p) => sum + p.support, 0)).toBe(truth.length);
        expect(k).toBe(m.length);
      }),
      { numRuns: 200 },
    );
  });

  it('perfect predictions score 1 (and a log loss of about 0)', () => {
    fc.assert(
      fc.property(table, ({ k, truth, classes }) => {
        const oneHot = truth.flatMap((t) => classes.map((_, c) => (c === t ? 1 : 0)));
        const e = evaluateClassification(Float64Array.from(oneHot), truth, classes);
        expect(e.accuracy).toBe(1);
        expect(e.logLoss).toBeLessThan(1e-13);
        expect(e.weightedF1).toBe(1);
        for (const p of e.perClass) expect(p.f1).toBe(p.support > 0 ? 1 : 0);
        if (e.rocAuc !== undefined) expect(e.rocAuc).toBe(1);
        expect(k).toBe(classes.length);
      }),
      { numRuns: 200 },
    );
  });

  it('ROC curves and AUC do not change under a monotone map of the scores', () => {
    fc.assert(
      fc.property(table, ({ truth, classes, scores }) => {
        const before = evaluateClassification(Float64Array.from(scores), truth, classes);
        const mapped = Float64Array.from(scores, (s) => Math.exp(3 * s) - 7);
        const after = evaluateClassification(mapped, truth, classes);
        expect(after.rocCurves).toEqual(before.rocCurves);
        expect(after.rocAuc).toBe(before.rocAuc);
      }),
      { numRuns: 200 },
    );
  });

  it('binary: reversing the order of the scores turns AUC into 1 − AUC', () => {
    fc.assert(
      fc.property(table, ({ truth, scores }) => {
        const rows = truth.length;
        const t = truth.map((x) => x % 2);
        const two = Float64Array.from({ length: rows * 2 }, (_, i) => scores[i]!);
        const reversed = two.map((s, i) => (i % 2 === 1 ? 1 - s : s));
        const e = evaluateClassification(two, t, ['a', 'b']);
        const r = evaluateClassification(reversed, t, ['a', 'b']);
        if (e.rocAuc === undefined) expect(r).not.toHaveProperty('rocAuc');
        else close(r.rocAuc, 1 - e.rocAuc, 1e-12);
      }),
      { numRuns: 200 },
    );
  });

  it('regression: exact predictions give MAE 0, RMSE 0, R² 1; RMSE ≥ MAE', () => {
    // quarters: no underflow when squared (a subnormal error squares to 0, and RMSE < MAE)
    const values = fc.array(
      fc.integer({ min: -4e6, max: 4e6 }).map((n) => n / 4),
      { minLength: 1, maxLength: 60 },
    );
    fc.assert(
      fc.property(values, values, (actual, predicted) => {
        expect(evaluateRegression(actual, actual)).toMatchObject({ mae: 0, rmse: 0, r2: 1 });
        const n = Math.min(actual.length, predicted.length);
        const e = evaluateRegression(predicted.slice(0, n), actual.slice(0, n));
        expect(e.rmse).toBeGreaterThanOrEqual(e.mae * (1 - 1e-12));
        expect(e.r2).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });
});
