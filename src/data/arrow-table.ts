// Parquet and Arrow IPC uploads (issue 16) read into a table whose columns keep the types the
// file declares: Parquet through parquet-wasm (every codec: snappy, gzip, zstd, brotli, lz4) into
// Arrow, Arrow IPC (file or stream format) through apache-arrow. The whole file is read at once
// (Parquet's footer is at its end), bounded by MAX_DATASET_BYTES. Not the profiling (profile.ts):
// this file says, per column, what the file declared (FileType), and profiling uses it.
//
// How a column's Arrow type is read:
//   ints, floats, decimals      numbers; numeric (int64 past 2^53 loses precision, as in JSON)
//   bool                        booleans; boolean
//   timestamp, date32, date64   ISO 8601 texts (a date alone as YYYY-MM-DD, else UTC with Z);
//                               datetime, whatever the unit or zone
//   string, large string,       texts, typed by profiling among categorical, text and id only: a
//   dictionary of strings       string column of digits (zip codes) stays categorical, as the
//                               file says string (a job may still set it numeric in columns)
//   null                        every cell missing; ignored
// Nulls (and NaN) are missing. Other types (binary, lists, structs, maps, times of day,
// intervals) are refused naming the column and its type.
import * as arrow from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { ValidationError } from '../errors.js';
import type { FileType } from './column-profile.js';
import type { Table } from './table.js';
import { type EncodedRows, TableEncoder } from './table-encoder.js';

export type FileKind = 'parquet' | 'arrow';

/** A table read from a typed file, and each column's declared type by name. */
export interface TypedTable extends Table {
  fileTypes: Record<string, FileType>;
}

const kindName: Record<FileKind, string> = { parquet: 'Parquet', arrow: 'Arrow IPC' };

/** The Arrow table in `bytes`, or a ValidationError under `kind` saying what is wrong. */
export function readArrowTable(kind: FileKind, bytes: Uint8Array): arrow.Table {
  if (bytes.length === 0) refuse(kind, 'the body is empty');
  try {
    if (kind === 'arrow') return arrow.tableFromIPC(bytes);
    const wasmTable = readParquet(bytes);
    return arrow.tableFromIPC(wasmTable.intoIPCStream());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return refuse(kind, `could not be read (${reason.replace(/^Error: /, '')})`);
  }
}

function refuse(kind: FileKind, reason: string): never {
  const hint =
    kind === 'parquet'
      ? 'send a whole Parquet file'
      : 'send a whole Arrow IPC file or stream (Feather v2)';
  throw new ValidationError([
    { path: kind, message: `is not a readable ${kindName[kind]} file: ${reason}; ${hint}` },
  ]);
}

/** The table's rows as cells, each column as its declared type; refused past maxCells. */
export function typedTable(kind: FileKind, source: arrow.Table, maxCells: number): TypedTable {
  const { header, rows, fileTypes, cellAt } = typedColumns(kind, source, maxCells);
  const out: (string | number | boolean | null)[][] = Array.from({ length: rows }, () =>
    new Array(header.length).fill(null),
  );
  header.forEach((_, c) => {
    for (let r = 0; r < rows; r++) out[r]![c] = cellAt(c, r);
  });
  return { header, rows: out, fileTypes };
}

/**
 * The same cells encoded a column at a time (table-encoder.ts), never made into rows: the
 * upload's reader; typedTable is the same table as rows.
 */
export function encodeTyped(
  kind: FileKind,
  source: arrow.Table,
  maxCells: number,
  missingTokens: readonly string[],
): { table: EncodedRows; fileTypes: Record<string, FileType> } {
  const { header, rows, fileTypes, cellAt } = typedColumns(kind, source, maxCells);
  const encoder = new TableEncoder(missingTokens);
  header.forEach((name, c) => encoder.addWholeColumn(name, rows, (r) => cellAt(c, r)));
  return { table: encoder.finish(), fileTypes };
}

// The header, each column's declared type and a reader of its cells, or the refusals: past
// maxCells, or a column of a type this service cannot read.
function typedColumns(kind: FileKind, source: arrow.Table, maxCells: number) {
  const header = source.schema.fields.map((f) => f.name);
  const rows = source.numRows;
  if (rows * header.length > maxCells) {
    throw new ValidationError([
      {
        path: kind,
        message: `holds ${rows} rows of ${header.length} columns, ${rows * header.length} cells; this service takes at most ${maxCells} (MAX_DATASET_CELLS): send fewer rows or columns`,
      },
    ]);
  }
  const fileTypes: Record<string, FileType> = {};
  const readers = source.schema.fields.map((field, c) => {
    const reader = readerOf(field.type);
    if (reader === undefined) {
      throw new ValidationError([
        {
          path: `${kind}.${field.name}`,
          message: `column ${c + 1} is of type ${String(field.type)}, which this service cannot read as a table column: convert it to numbers, strings, booleans or timestamps, or leave it out`,
        },
      ]);
    }
    fileTypes[field.name] = reader.type;
    return reader;
  });
  const vectors = readers.map((_, c) => source.getChildAt(c)!);
  const cellAt = (c: number, r: number): string | number | boolean | null => {
    const value = vectors[c]!.get(r);
    return value === null || value === undefined ? null : readers[c]!.read(value);
  };
  return { header, rows, fileTypes, cellAt };
}

interface Reader {
  type: FileType;
  read(value: unknown): string | number | boolean | null;
}

function readerOf(type: arrow.DataType): Reader | undefined {
  if (arrow.DataType.isDictionary(type)) return readerOf(type.dictionary);
  if (arrow.DataType.isInt(type) || arrow.DataType.isFloat(type)) {
    return { type: 'numeric', read: (v) => Number(v as number | bigint) };
  }
  if (arrow.DataType.isDecimal(type)) {
    const { scale } = type;
    return { type: 'numeric', read: (v) => decimalNumber(v, scale) };
  }
  if (arrow.DataType.isBool(type)) return { type: 'boolean', read: (v) => Boolean(v) };
  // apache-arrow gives a timestamp of any unit in milliseconds
  if (arrow.DataType.isTimestamp(type)) {
    return { type: 'datetime', read: (v) => new Date(Number(v)).toISOString() };
  }
  if (arrow.DataType.isDate(type)) {
    return { type: 'datetime', read: (v) => new Date(Number(v)).toISOString().slice(0, 10) };
  }
  if (arrow.DataType.isUtf8(type) || arrow.DataType.isLargeUtf8(type)) {
    return { type: 'strings', read: (v) => String(v) };
  }
  if (arrow.DataType.isNull(type)) return { type: 'strings', read: () => null };
  return undefined;
}

function decimalNumber(value: unknown, scale: number): number {
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) / 10 ** scale;
  return arrow.util.bigNumToNumber(value as Parameters<typeof arrow.util.bigNumToNumber>[0], scale);
}
