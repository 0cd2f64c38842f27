// A table encoded as it is read (issue 16, "big data in, bounded memory"): each row's cells become
// codes as the row arrives (per column a Map from present value to code, the distinct values, and
// the codes in Int32Array chunks), so an upload costs 4 bytes a cell plus its distinct values,
// never a JS string or array per row. Profiling reads it a column at a time (profile.ts's
// ColumnSource); encoded() then makes the stored EncodedTable, exactly what encodeTable makes of
// the same rows. Not a parser (csv-stream.ts, ndjson-stream.ts), nor the profile (profile.ts).
import { categoryOf } from './cell-readers.js';
import type { EncodedTable } from './encoded-table.js';
import { maxIssues } from './issue-list.js';
import { missingSet, type Present, presentOf } from './missing.js';
import type { ColumnSource, LongRow } from './profile.js';
import type { Cell, RowStore } from './table.js';

// Codes are kept in chunks of 65,536 rows (256 KiB a column): growing never copies more than one
// chunk. The first chunk starts small and doubles, so a table of ten rows costs little.
const chunkBits = 16;
const chunkRows = 1 << chunkBits;
const chunkMask = chunkRows - 1;

// JSON's -0 and 0 are one Map key (SameValueZero), but a profile reads them apart (a minimum of
// -0): -0 gets a key of its own, and both encode as the text "0" at the end, as encodeTable does.
const negativeZero = Symbol('-0');

/** One column's distinct present values (first seen first; 1 and "1" apart) and row codes. */
class CodeColumn {
  readonly values: Present[] = [];
  // dropped once the table is read (seal): the codes say the rest
  private index: Map<Present | symbol, number> | undefined = new Map();
  private chunks: Int32Array[] = [new Int32Array(64)];
  length = 0;

  push(cell: Present | undefined): void {
    let code = -1;
    if (cell !== undefined) {
      const key = Object.is(cell, -0) ? negativeZero : cell;
      const known = this.index!.get(key);
      if (known === undefined) {
        code = this.values.length;
        this.index!.set(key, code);
        this.values.push(cell);
      } else code = known;
    }
    const r = this.length;
    let chunk = this.chunks[r >>> chunkBits];
    if (chunk === undefined) {
      chunk = new Int32Array(chunkRows);
      this.chunks.push(chunk);
    } else if (r < chunkRows && r === chunk.length) {
      const grown = new Int32Array(Math.min(chunkRows, 2 * r));
      grown.set(chunk);
      this.chunks[0] = chunk = grown;
    }
    chunk[r & chunkMask] = code;
    this.length = r + 1;
  }

  /** Row r's code, -1 where missing. */
  code(r: number): number {
    return this.chunks[r >>> chunkBits]![r & chunkMask]!;
  }

  /** No more rows: the Map from value to code is let go. */
  seal(): void {
    this.index = undefined;
  }

  release(): void {
    this.chunks = [];
  }
}

/**
 * Rows taken one at a time into codes. Columns are added by name, before the rows (a CSV's
 * header) or when first seen (an NDJSON record's new key: missing in the rows before). A row
 * longer than the header is noted (the first few, for profiling's refusal) and its extra cells
 * are not kept.
 */
export class TableEncoder implements RowStore<EncodedRows> {
  private readonly header: string[] = [];
  private readonly columns: CodeColumn[] = [];
  private readonly missing: ReadonlySet<string>;
  private readonly longRows: LongRow[] = [];
  private rows = 0;

  /** `missingTokens` as in profiling; blank and null are always missing. */
  constructor(private readonly missingTokens: readonly string[]) {
    this.missing = missingSet(missingTokens);
  }

  /** Rows taken so far. */
  get count(): number {
    return this.rows;
  }

  addColumn(name: string): void {
    const column = new CodeColumn();
    for (let r = 0; r < this.rows; r++) column.push(undefined);
    this.header.push(name);
    this.columns.push(column);
  }

  /**
   * A whole column at once, for a table read column by column (a typed file's): every column
   * `rows` long, and no row added by add().
   */
  addWholeColumn(name: string, rows: number, cellAt: (r: number) => Cell): void {
    const column = new CodeColumn();
    for (let r = 0; r < rows; r++) column.push(presentOf(cellAt(r), this.missing));
    this.header.push(name);
    this.columns.push(column);
    this.rows = rows;
  }

  add(row: readonly Cell[]): void {
    const { columns, missing } = this;
    // one more than profiling lists, so that it knows there were more
    if (row.length > columns.length && this.longRows.length <= maxIssues) {
      this.longRows.push([this.rows, row.length]);
    }
    for (let c = 0; c < columns.length; c++) columns[c]!.push(presentOf(row[c], missing));
    this.rows++;
  }

  finish(): EncodedRows {
    for (const column of this.columns) column.seal();
    return new EncodedRows(this.header, this.rows, this.columns, this.longRows, [
      ...this.missingTokens,
    ]);
  }
}

/** A table read by TableEncoder: profiled (source), then encoded once (encoded). */
export class EncodedRows {
  constructor(
    readonly header: readonly string[],
    readonly rows: number,
    private readonly columns: readonly CodeColumn[],
    private readonly longRows: readonly LongRow[],
    /** The tokens its cells were read as missing with. */
    readonly missingTokens: string[],
  ) {}

  /** The rows (all, or those whose column `kept` is present) as profiling reads them. */
  source(kept?: string): ColumnSource {
    const { header, columns } = this;
    const rows = this.rowsKept(kept);
    const count = rows ? rows.length : this.rows;
    return {
      header,
      rows: count,
      // with `kept`, the profile of every row had none (it refuses a long row)
      longRows: () => (rows ? [] : this.longRows),
      cells: (c) => {
        const column = columns[c]!;
        const cells: (Present | undefined)[] = new Array(count);
        for (let i = 0; i < count; i++) {
          const code = column.code(rows ? rows[i]! : i);
          cells[i] = code < 0 ? undefined : column.values[code];
        }
        return cells;
      },
    };
  }

  /**
   * The EncodedTable of the rows (all, or those whose column `kept` is present): each column's
   * dictionary the texts of its kept cells, first seen first, as encodeTable makes it. The codes
   * are let go as they are copied: call it last.
   */
  encoded(kept?: string): EncodedTable {
    const rows = this.rowsKept(kept);
    const count = rows ? rows.length : this.rows;
    const width = this.columns.length;
    const codes = new Int32Array(count * width);
    const dictionaries: string[][] = [];
    for (let c = 0; c < width; c++) {
      const column = this.columns[c]!;
      // a value's code in the dictionary, -1 until first seen (1 and "1" are one text)
      const final = new Int32Array(column.values.length).fill(-1);
      const index = new Map<string, number>();
      const dictionary: string[] = [];
      for (let i = 0; i < count; i++) {
        const code = column.code(rows ? rows[i]! : i);
        if (code < 0) {
          codes[c * count + i] = -1;
          continue;
        }
        let f = final[code]!;
        if (f < 0) {
          const text = categoryOf(column.values[code]!);
          const seen = index.get(text);
          if (seen === undefined) {
            f = dictionary.length;
            index.set(text, f);
            dictionary.push(text);
          } else f = seen;
          final[code] = f;
        }
        codes[c * count + i] = f;
      }
      column.release();
      dictionaries.push(dictionary);
    }
    return { header: [...this.header], rows: count, dictionaries, codes };
  }

  // The rows whose column `kept` is present, or undefined for all.
  private rowsKept(kept: string | undefined): Int32Array | undefined {
    if (kept === undefined) return undefined;
    const column = this.columns[this.header.indexOf(kept)]!;
    let count = 0;
    for (let r = 0; r < this.rows; r++) if (column.code(r) >= 0) count++;
    const rows = new Int32Array(count);
    for (let r = 0, i = 0; r < this.rows; r++) if (column.code(r) >= 0) rows[i++] = r;
    return rows;
  }
}
