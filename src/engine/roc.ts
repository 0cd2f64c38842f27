// ROC curves and the area under them, as scikit-learn 1.2's roc_curve (drop_intermediate) and
// roc_auc_score compute them: one point per distinct score, tied scores taken together (a
// diagonal step, which the trapezoid rule integrates as half a rectangle). Used by
// evaluation.ts; not a plotting helper (thinCurve only picks points to keep).

export interface RocPoints {
  fpr: number[];
  tpr: number[];
}

// scores is (rows, stride); the curve ranks column `column` against truth[r] === column.
// Returns null when the column has no positive or no negative row (the rates are undefined).
export function rocCurve(
  scores: ArrayLike<number>,
  truth: ArrayLike<number>,
  rows: number,
  stride: number,
  column: number,
): RocPoints | null {
  // the positives' and the negatives' scores, each sorted (a typed array sorts by value, fast)
  let positives = 0;
  for (let r = 0; r < rows; r++) if (truth[r] === column) positives++;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(rows - positives);
  for (let r = 0, p = 0, n = 0; r < rows; r++) {
    if (truth[r] === column) pos[p++] = scores[r * stride + column]!;
    else neg[n++] = scores[r * stride + column]!;
  }
  if (pos.length === 0 || neg.length === 0) return null;
  pos.sort();
  neg.sort();
  // from the highest score down: cumulative true and false positives after each distinct score
  const tps: number[] = [];
  const fps: number[] = [];
  let p = pos.length - 1;
  let n = neg.length - 1;
  while (p >= 0 || n >= 0) {
    const score = Math.max(p >= 0 ? pos[p]! : -Infinity, n >= 0 ? neg[n]! : -Infinity);
    while (p >= 0 && pos[p] === score) p--;
    while (n >= 0 && neg[n] === score) n--;
    tps.push(pos.length - 1 - p);
    fps.push(neg.length - 1 - n);
  }
  const kept = dropCollinear(fps, tps);
  // the curve starts at (0, 0), before the highest threshold
  return {
    fpr: [0, ...kept.map((i) => fps[i]! / neg.length)],
    tpr: [0, ...kept.map((i) => tps[i]! / pos.length)],
  };
}

// Indices of the points where the curve turns (a nonzero second difference in fps or tps),
// with the first and last: the points in between lie on a straight line and change no area.
function dropCollinear(fps: number[], tps: number[]): number[] {
  const n = fps.length;
  if (n <= 2) return fps.map((_, i) => i);
  const kept = [0];
  for (let i = 1; i < n - 1; i++) {
    const bendF = fps[i + 1]! - 2 * fps[i]! + fps[i - 1]!;
    const bendT = tps[i + 1]! - 2 * tps[i]! + tps[i - 1]!;
    if (bendF !== 0 || bendT !== 0) kept.push(i);
  }
  kept.push(n - 1);
  return kept;
}

/** Area under a curve whose x never decreases, by the trapezoid rule (numpy.trapz). */
export function areaUnder(curve: RocPoints): number {
  let area = 0;
  for (let i = 1; i < curve.fpr.length; i++) {
    area += ((curve.fpr[i]! - curve.fpr[i - 1]!) * (curve.tpr[i]! + curve.tpr[i - 1]!)) / 2;
  }
  return area;
}

/**
 * At most `limit` points of a curve, evenly spaced by index, the first and last kept:
 * point i of the result is point round(i · (n − 1) / (limit − 1)) of the curve.
 */
export function thinCurve(curve: RocPoints, limit: number): RocPoints {
  const n = curve.fpr.length;
  if (n <= limit) return curve;
  const picks = Array.from({ length: limit }, (_, i) => Math.round((i * (n - 1)) / (limit - 1)));
  return { fpr: picks.map((i) => curve.fpr[i]!), tpr: picks.map((i) => curve.tpr[i]!) };
}
