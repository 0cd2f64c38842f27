// One fitted column step's inputs (issue 14): how many, their names, and the values one cell
// becomes, so that fitting (inputNames), a stored table (transform.ts, once per dictionary text)
// and predict records (records.ts, once per cell) all encode alike. The layout per type, in
// slot order (src/spec/preprocessing.ts):
//   numeric      (x − mean) / std; then 1 for a missing cell, else 0, when `indicator`
//   boolean      0 or 1
//   categorical  one slot per category (then unfilled slots up to `slots`, always 0), then the
//                "missing" slot when `missingSlot`, then "other": a single 1 where the cell goes
//   datetime     the fractional year (2021.5 is 2 July 2021), standardised; the month (0-11) and
//                the day of the week (Sunday 0) as sin/cos pairs; the time of day in hours as
//                a sin/cos pair when `hours`. All in UTC.
// A missing cell is the step's fill; a missing category with no fill goes to "missing", or to
// "other" when the step has no "missing" slot (a column with no present training cell).
// Pure; not the fitting of the steps (fit.ts) nor the reading of cells (cell-readers.ts).
import type { ColumnStep } from '../../spec/preprocessing.js';
import { datetimeWidth } from './plan.js';

export type NumericStep = Extract<ColumnStep, { type: 'numeric' }>;
export type BooleanStep = Extract<ColumnStep, { type: 'boolean' }>;
export type CategoricalStep = Extract<ColumnStep, { type: 'categorical' }>;
export type DatetimeStep = Extract<ColumnStep, { type: 'datetime' }>;

/** Inputs the step becomes. */
export function stepWidth(step: ColumnStep): number {
  switch (step.type) {
    case 'numeric':
      return step.indicator ? 2 : 1;
    case 'boolean':
      return 1;
    case 'categorical':
      return step.slots + (step.missingSlot ? 1 : 0) + 1;
    case 'datetime':
      return datetimeWidth(step.hours);
  }
}

const calendarNames = ['year', 'month sin', 'month cos', 'weekday sin', 'weekday cos'];

/** A name per input: "Horsepower", "Origin=USA", "Origin (other)", "Year (month sin)". */
export function stepNames(step: ColumnStep): string[] {
  const { name } = step;
  switch (step.type) {
    case 'numeric':
      return step.indicator ? [name, `${name} (missing)`] : [name];
    case 'boolean':
      return [name];
    case 'categorical': {
      const names = step.categories.map((c) => `${name}=${c}`);
      for (let k = step.categories.length; k < step.slots; k++) {
        names.push(`${name} (unused ${k + 1 - step.categories.length})`);
      }
      if (step.missingSlot) names.push(`${name} (missing)`);
      names.push(`${name} (other)`);
      return names;
    }
    case 'datetime': {
      const parts = step.hours ? [...calendarNames, 'hour sin', 'hour cos'] : calendarNames;
      return parts.map((p) => `${name} (${p})`);
    }
  }
}

/** The inputs of every step, in order. */
export function inputNamesOf(steps: readonly ColumnStep[]): string[] {
  return steps.flatMap(stepNames);
}

/** Writes a number (undefined: missing) at out[at…]. */
export function encodeNumber(
  out: Float32Array,
  at: number,
  step: NumericStep,
  x: number | undefined,
): void {
  out[at] = ((x ?? step.fill) - step.mean) / step.std;
  if (step.indicator) out[at + 1] = x === undefined ? 1 : 0;
}

/** The slot a category text (undefined: missing) sets to 1, given the step's category -> slot map. */
export function slotOf(
  step: CategoricalStep,
  slots: ReadonlyMap<string, number>,
  text: string | undefined,
): number {
  const other = step.slots + (step.missingSlot ? 1 : 0);
  if (text === undefined) {
    if (step.fill !== null) return slots.get(step.fill) ?? other;
    return step.missingSlot ? step.slots : other;
  }
  return slots.get(text) ?? other;
}

/** Category text -> slot, for slotOf (a Map: category texts are data, never object keys). */
export function slotMap(step: CategoricalStep): Map<string, number> {
  return new Map(step.categories.map((c, k) => [c, k]));
}

const twoPi = 2 * Math.PI;
const dayMs = 86_400_000;

/** Milliseconds since 1970 UTC of 1 January of `year` (years 0-99 too, unlike Date.UTC). */
function yearStart(year: number): number {
  const t = new Date(0);
  t.setUTCFullYear(year, 0, 1);
  return t.getTime();
}

/** The year with its elapsed fraction: 1 July 2021 (non-leap, 181 days in) is 2021.4958… */
export function fractionalYear(ms: number): number {
  const year = new Date(ms).getUTCFullYear();
  const start = yearStart(year);
  return year + (ms - start) / (yearStart(year + 1) - start);
}

/** Writes a moment (undefined: missing) at out[at…]: the step's 5 or 7 calendar inputs. */
export function encodeDate(
  out: Float32Array,
  at: number,
  step: DatetimeStep,
  ms: number | undefined,
): void {
  const t = ms ?? step.fill;
  const date = new Date(t);
  const month = (twoPi * date.getUTCMonth()) / 12;
  const weekday = (twoPi * date.getUTCDay()) / 7;
  out[at] = (fractionalYear(t) - step.yearMean) / step.yearStd;
  out[at + 1] = Math.sin(month);
  out[at + 2] = Math.cos(month);
  out[at + 3] = Math.sin(weekday);
  out[at + 4] = Math.cos(weekday);
  if (!step.hours) return;
  const hour = (twoPi * (((t % dayMs) + dayMs) % dayMs)) / dayMs;
  out[at + 5] = Math.sin(hour);
  out[at + 6] = Math.cos(hour);
}
