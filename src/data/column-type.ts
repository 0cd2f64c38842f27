// Typing one column by the rules in profile.ts's header: inference, or an override checked
// cell by cell, to a ColumnProfile with its statistics. Not the checks of a whole table, its
// header or its overrides' names (profile.ts).
import { categoryOf, readBoolean, readDate, readNumber } from './cell-readers.js';
import type { ColumnProfile, ColumnType, SkippedColumn } from './column-profile.js';
import { dateRange, numericStats, topValues } from './column-stats.js';
import type { Present } from './missing.js';

/** Fewer rows than this are too few to call a column of unique strings an id. */
export const idMinRows = 10;
/** A string column with at most this many distinct values is categorical, whatever the rows. */
export const textMinDistinct = 20;
/** …and one whose distinct values are more than this fraction of its present cells is text. */
export const textDistinctFraction = 0.5;

/** One column's cells: present values, `undefined` where missing. */
export interface Column {
  name: string;
  cells: (Present | undefined)[];
  missing: number;
}

/** The first cell a reader refused, by row number. */
export interface Offence {
  row: number;
  value: Present;
}

export function inferColumn(column: Column): ColumnProfile {
  const allMissing = column.missing === column.cells.length;
  if (allMissing) return skipped(column, 'ignored', 'every row is missing');
  for (const type of ['numeric', 'boolean', 'datetime'] as const) {
    const profile = asType(column, type, false);
    if (!isOffence(profile)) return profile;
  }
  return asStrings(column);
}

/** A column of strings (a typed file says so): categorical, text or id, never numbers or dates. */
export function inferStrings(column: Column): ColumnProfile {
  if (column.missing === column.cells.length)
    return skipped(column, 'ignored', 'every row is missing');
  return asStrings(column);
}

/** The column as `type`, or the first cell that is not of it; 0/1 are booleans when `binary`. */
export function asType(column: Column, type: ColumnType, binary = true): ColumnProfile | Offence {
  const base = { name: column.name, type, missing: column.missing };
  switch (type) {
    case 'numeric': {
      const values = readAll(column, readNumber);
      if (isOffence(values)) return values;
      return { ...base, type, distinct: new Set(values).size, ...numericStats(values) };
    }
    case 'boolean': {
      const values = readAll(column, (cell) => readBoolean(cell, binary));
      if (isOffence(values)) return values;
      return { ...base, type, distinct: new Set(values).size, top: topValues(values) };
    }
    case 'datetime':
      return asDates(column);
    case 'categorical':
      return categorical(column, readAll(column, categoryOf) as string[]);
    default:
      return skipped(column, type, 'set in columns');
  }
}

function asDates(column: Column): ColumnProfile | Offence {
  const dates = readAll(column, readDate);
  if (isOffence(dates)) return dates;
  const ms = dates.map((d) => d.ms);
  const range = dateRange(
    ms,
    dates.every((d) => d.dateOnly),
  );
  const base = { name: column.name, type: 'datetime' as const, missing: column.missing };
  return { ...base, distinct: new Set(ms).size, ...range };
}

function asStrings(column: Column): ColumnProfile {
  const values = readAll(column, categoryOf) as string[];
  const distinct = new Set(values).size;
  if (distinct === column.cells.length && distinct >= idMinRows) {
    return skipped(column, 'id', `unique in every row (${distinct} rows)`, distinct);
  }
  if (distinct > textMinDistinct && distinct > textDistinctFraction * values.length) {
    const reason = `free text: ${distinct} distinct values in ${values.length} rows`;
    return skipped(column, 'text', reason, distinct);
  }
  return categorical(column, values);
}

function categorical(column: Column, values: string[]): ColumnProfile {
  const base = { name: column.name, type: 'categorical' as const, missing: column.missing };
  return { ...base, distinct: new Set(values).size, top: topValues(values) };
}

function skipped(
  column: Column,
  type: SkippedColumn['type'],
  reason: string,
  distinct?: number,
): SkippedColumn {
  distinct ??= new Set(readAll(column, categoryOf) as string[]).size;
  return { name: column.name, type, missing: column.missing, distinct, reason };
}

// Distinct cells whose reading readAll remembers: a column repeats its values (dates, codes,
// categories), and a date or number is then parsed once per distinct text, not once per row.
const maxRemembered = 4096;

/** Every present cell read by `read`, or the first it refuses. */
function readAll<T>(column: Column, read: (cell: Present) => T | undefined): T[] | Offence {
  const values: T[] = [];
  const remembered = new Map<Present, T>();
  for (let r = 0; r < column.cells.length; r++) {
    const cell = column.cells[r];
    if (cell === undefined) continue;
    let value = remembered.get(cell);
    if (value === undefined) {
      value = read(cell);
      if (value === undefined) return { row: r + 1, value: cell };
      if (remembered.size < maxRemembered) remembered.set(cell, value);
    }
    values.push(value);
  }
  return values;
}

export function isOffence(value: object): value is Offence {
  return 'row' in value;
}
