// The statistics of one column's present values, in float64: min, max, mean, population standard
// deviation and median of numbers; the most frequent values with their counts; a date range.
// Not the choice of a column's type (profile.ts).

/** The top-categories list stops here; `distinct` says how many there are in all. */
export const maxTopValues = 10;

export interface NumericStats {
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (divides by n, as a standard scaler does), two-pass. */
  std: number;
  /** The middle value, or the mean of the two middle values. */
  median: number;
  /** True when every value is a whole number (class codes, counts, years). */
  integer: boolean;
}

// Past this magnitude, sums and squares are taken of the values scaled by a power of two (exact),
// so that no statistic of finite numbers overflows to Infinity or NaN (1e308 + 1e308 would):
// 1e100² times 1e8 rows is still far inside float64.
const largeMagnitude = 1e100;

/** Statistics of at least one finite number; every one of them finite. */
export function numericStats(values: readonly number[]): NumericStats {
  let [min, max, integer] = [values[0]!, values[0]!, true];
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    integer &&= Number.isInteger(v);
  }
  const largest = Math.max(Math.abs(min), Math.abs(max));
  const scale = largest > largeMagnitude ? 2 ** Math.min(1023, Math.floor(Math.log2(largest))) : 1;
  const { mean, std } = meanAndStd(values, scale);
  return { min, max, mean, std, median: medianOf(values), integer };
}

// Two passes over values / scale, the results scaled back: |mean| and std are at most the
// largest |value|, so scaling back cannot overflow.
function meanAndStd(values: readonly number[], scale: number): { mean: number; std: number } {
  const n = values.length;
  let sum = 0;
  for (const v of values) sum += v / scale;
  const mean = sum / n;
  let squares = 0;
  for (const v of values) squares += (v / scale - mean) * (v / scale - mean);
  return { mean: mean * scale, std: Math.sqrt(squares / n) * scale };
}

function medianOf(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid]!;
  const [a, b] = [sorted[mid - 1]!, sorted[mid]!];
  // halves when the sum of two values near ±1.8e308 overflows (halving loses subnormal bits)
  return Number.isFinite(a + b) ? (a + b) / 2 : a / 2 + b / 2;
}

export interface ValueCount<T> {
  value: T;
  count: number;
}

/** The most frequent values, most frequent first (ties in value order), at most maxTopValues. */
export function topValues<T extends string | boolean>(values: readonly T[]): ValueCount<T>[] {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .slice(0, maxTopValues);
}

/** The earliest and latest of at least one date, as ISO strings (YYYY-MM-DD when `dateOnly`). */
export function dateRange(ms: readonly number[], dateOnly: boolean): { min: string; max: string } {
  let [min, max] = [ms[0]!, ms[0]!];
  for (const t of ms) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  const iso = (t: number) => new Date(t).toISOString().slice(0, dateOnly ? 10 : undefined);
  return { min: iso(min), max: iso(max) };
}
