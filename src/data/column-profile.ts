// What profiling says about one column: its type, how many cells are missing, how many distinct
// values it holds, and the statistics of its type. Types only, shared by profile.ts and
// label-task.ts so that neither imports the other for them. The API's schema of the same shape
// is src/spec/table-profile.ts; the check at the end fails to compile if the two drift apart.
import { columnTypeNames } from '../spec/preprocessing.js';
import type { ColumnProfileSpec } from '../spec/table-profile.js';
import type { NumericStats, ValueCount } from './column-stats.js';

/** The column types, as the job spec names them. */
export const columnTypes = columnTypeNames;
export type ColumnType = (typeof columnTypes)[number];

/** What a typed file (Parquet, Arrow) declares a column to be (arrow-table.ts); strings are still
 * told apart by profiling (categorical, text or id). */
export type FileType = 'numeric' | 'boolean' | 'datetime' | 'strings';

interface ColumnBase {
  name: string;
  /** Cells that are blank, null, left out or a missing token. */
  missing: number;
  /** Distinct present values (numbers by value, dates by instant, anything else by text). */
  distinct: number;
}

export type NumericColumn = ColumnBase & { type: 'numeric' } & NumericStats;
export type CategoricalColumn = ColumnBase & { type: 'categorical'; top: ValueCount<string>[] };
export type BooleanColumn = ColumnBase & { type: 'boolean'; top: ValueCount<boolean>[] };
/** min and max as ISO 8601: YYYY-MM-DD when every cell is a date alone, else a UTC date-time. */
export type DatetimeColumn = ColumnBase & { type: 'datetime'; min: string; max: string };
/** Columns no model reads by default, with why (for a report). */
export type SkippedColumn = ColumnBase & { type: 'text' | 'id' | 'ignored'; reason: string };

export type ColumnProfile =
  | NumericColumn
  | CategoricalColumn
  | BooleanColumn
  | DatetimeColumn
  | SkippedColumn;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
/** Compile-time only: ColumnProfile and the API's columnProfileSchema are the same type. */
export type ColumnProfileMatchesSpec = Holds<Same<ColumnProfile, ColumnProfileSpec>>;
