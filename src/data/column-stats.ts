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

/** Statistics of at least one finite number. */
export function numericStats(values: readonly number[]): NumericStats {
  const n = values.length;
  let [min, max, sum, integer] = [values[0]!, values[0]!, 0, true];
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    integer &&= Number.isInteger(v);
  }
  const mean = sum / n;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  return { min, max, mean, std: Math.sqrt(squares / n), median: medianOf(values), integer };
}

function medianOf(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
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
