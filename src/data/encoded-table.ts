// A table as it is stored and trained on: each column dictionary-encoded (its distinct present
// cell texts, and one int32 code per row, -1 where the cell is missing), so a column of 300
// airport codes over a million rows costs 4 MB of codes and 300 strings, and a number is parsed
// once per distinct text, not once per cell. Missing is decided when the table is encoded (the
// upload's missing tokens); the types are not: a column keeps its texts, so a job may read it
// as numbers, categories or dates (overrides). Pure; not the profile (profile.ts) nor the
// preprocessing that reads it (preprocess/).
import { categoryOf } from './cell-readers.js';
import { missingSet, type Present, presentOf } from './missing.js';
import type { Table } from './table.js';

export interface EncodedTable {
  header: string[];
  rows: number;
  /** Per column, its distinct present texts in the order first seen (JSON numbers as JSON writes them). */
  dictionaries: string[][];
  /** Column-major: codes[c * rows + r] indexes dictionaries[c]; -1 is a missing cell. */
  codes: Int32Array;
}

/** The table's cells encoded; `missingTokens` as in profiling (blank and null are always missing). */
export function encodeTable(table: Table, missingTokens?: readonly string[]): EncodedTable {
  const missing = missingSet(missingTokens);
  const rows = table.rows.length;
  const width = table.header.length;
  const codes = new Int32Array(rows * width);
  const dictionaries: string[][] = [];
  for (let c = 0; c < width; c++) {
    const index = new Map<string, number>();
    const dictionary: string[] = [];
    for (let r = 0; r < rows; r++) {
      const present = presentOf(table.rows[r]![c], missing);
      if (present === undefined) {
        codes[c * rows + r] = -1;
        continue;
      }
      const text = categoryOf(present);
      let code = index.get(text);
      if (code === undefined) {
        code = dictionary.length;
        index.set(text, code);
        dictionary.push(text);
      }
      codes[c * rows + r] = code;
    }
    dictionaries.push(dictionary);
  }
  return { header: [...table.header], rows, dictionaries, codes };
}

/** Column `c`'s cells, undefined where missing: what profiling reads (profile.ts's Column). */
export function columnCells(table: EncodedTable, c: number): (Present | undefined)[] {
  const dictionary = table.dictionaries[c]!;
  const out: (Present | undefined)[] = new Array(table.rows);
  for (let r = 0; r < table.rows; r++) {
    const code = table.codes[c * table.rows + r]!;
    out[r] = code < 0 ? undefined : dictionary[code];
  }
  return out;
}

/** The encoded table back as a Table of texts (null where missing), for profiling. */
export function decodeTable(table: EncodedTable): Table {
  const columns = table.header.map((_, c) => columnCells(table, c));
  const rows = Array.from({ length: table.rows }, (_, r) => columns.map((col) => col[r] ?? null));
  return { header: table.header, rows };
}
