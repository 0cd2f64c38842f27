// The CLI's evaluation report, line for line: headline numbers, the confusion matrix aligned
// under class names, and the matrix folded to 12 classes past that.
import { describe, expect, it } from 'vitest';
import { evaluationReport } from '../../src/cli/evaluation-report.js';
import { evaluateClassification, evaluateRegression } from '../../src/engine/index.js';

describe('evaluationReport', () => {
  it('classes: headline numbers and the confusion matrix', () => {
    // truth Adelie ×3, Chinstrap ×2, Gentoo ×1; one Chinstrap taken for an Adelie
    const e = evaluateClassification(
      Float64Array.of(
        ...[0.8, 0.1, 0.1],
        ...[0.6, 0.3, 0.1],
        ...[0.7, 0.2, 0.1],
        ...[0.5, 0.4, 0.1],
        ...[0.1, 0.8, 0.1],
        ...[0.1, 0.1, 0.8],
      ),
      [0, 0, 0, 1, 1, 2],
      ['Adelie', 'Chinstrap', 'Gentoo'],
    );
    expect(evaluationReport(e)).toEqual([
      'evaluation on 6 held-out rows',
      '  accuracy   83.3%',
      '  log loss   0.4089',
      '  macro F1   0.8413',
      '  ROC AUC    1.0000',
      '  confusion matrix (rows: true class, columns: predicted)',
      '               Adelie  Chinstrap  Gentoo',
      '    Adelie          3          0       0',
      '    Chinstrap       1          1       0',
      '    Gentoo          0          0       1',
    ]);
  });

  it('says why there is no ROC AUC; numbers as labels; long names cut', () => {
    const e = evaluateClassification(
      Float64Array.of(0.9, 0.1, 0.2, 0.8),
      [0, 0],
      [3, 'a very long class name'],
    );
    expect(evaluationReport(e).slice(4)).toEqual([
      '  ROC AUC    n/a (a class has no held-out row)',
      '  confusion matrix (rows: true class, columns: predicted)',
      '                  3  a very long…',
      '    3             1             1',
      '    a very long…  0             0',
    ]);
  });

  it('past 12 classes: the 11 with the most rows and one "other" that sums the rest', () => {
    const k = 15;
    const classes = Array.from({ length: k }, (_, c) => `c${c}`);
    // class c has c + 1 rows, all predicted right except the first row of each, taken for c0
    const truth = classes.flatMap((_, c) => new Array<number>(c + 1).fill(c));
    const probabilities = new Float64Array(truth.length * k);
    let seen = -1;
    truth.forEach((t, r) => {
      probabilities[r * k + (t === seen ? t : 0)] = 1;
      seen = t;
    });
    const lines = evaluationReport(evaluateClassification(probabilities, truth, classes));
    expect(lines.slice(5, 8)).toEqual([
      '  confusion matrix (rows: true class, columns: predicted; the 11 classes with the most rows, the other 4 summed)',
      '               c4  c5  c6  c7  c8  c9  c10  c11  c12  c13  c14  other (4)',
      '    c4          4   0   0   0   0   0    0    0    0    0    0          1',
    ]);
    // c0 … c3's 10 rows, c1 … c3's mistakes included, fall in "other" both ways
    expect(lines.slice(17)).toEqual([
      '    c14         0   0   0   0   0   0    0    0    0    0   14          1',
      '    other (4)   0   0   0   0   0   0    0    0    0    0    0         10',
    ]);
  });

  it('regression: MAE and RMSE to four significant digits, R²', () => {
    const e = evaluateRegression(
      [101000, 199000, 302500, 400000],
      [100000, 200000, 300000, 400000],
    );
    expect(evaluationReport(e)).toEqual([
      'evaluation on 4 held-out rows',
      '  MAE        1125',
      '  RMSE       1436',
      '  R²         0.9998',
    ]);
    expect(evaluationReport(evaluateRegression([0.0012345], [0]))).toEqual([
      'evaluation on 1 held-out row',
      '  MAE        0.001234',
      '  RMSE       0.001234',
      '  R²         0.0000',
    ]);
  });
});
