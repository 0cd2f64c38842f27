// (apache-arrow's builders take timestamps in milliseconds whatever the unit stored.)
// Typed files read into tables (arrow-table.ts, issue 16): each Arrow type as its cells and
// declared type (decimals, int64, units of time, dictionaries, null columns), and the refusals:
// a type the service cannot read, a float column's Infinity, too many cells, unreadable bytes.
import * as arrow from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { readArrowTable, typedTable } from '../../src/data/arrow-table.js';
import { tableOf } from '../../src/data/table-upload.js';
import { ValidationError } from '../../src/errors.js';

/** Two decimal(10, 2) values, 123.45 and -2.50, as 128-bit little-endian words. */
function decimals(): arrow.Vector {
  const words = new Uint32Array([12345, 0, 0, 0, -250 >>> 0, 0xffffffff, 0xffffffff, 0xffffffff]);
  return arrow.makeVector(
    arrow.makeData({ type: new arrow.Decimal(2, 10, 128), length: 2, data: words }),
  );
}

function throughParquet(table: arrow.Table): arrow.Table {
  const file = parquet.writeParquet(parquet.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')));
  return readArrowTable('parquet', file);
}

function issuesOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('each Arrow type as cells and a declared type', () => {
  const source = new arrow.Table({
    dec: decimals(),
    big: arrow.vectorFromArray([2n ** 40n, -3n], new arrow.Int64()),
    f32: arrow.vectorFromArray([0.5, null], new arrow.Float32()),
    sec: arrow.vectorFromArray([1_700_000_000_000, 0], new arrow.TimestampSecond()),
    ns: arrow.vectorFromArray([1_700_000_000_123, null], new arrow.TimestampNanosecond()),
    day: arrow.vectorFromArray([new Date(Date.UTC(2024, 1, 29)), null], new arrow.DateDay()),
    ms: arrow.vectorFromArray(
      [new Date(Date.UTC(2024, 1, 29, 5)), null],
      new arrow.DateMillisecond(),
    ),
    cat: arrow.vectorFromArray(
      ['007', null],
      new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8()),
    ),
    on: arrow.vectorFromArray([false, true], new arrow.Bool()),
    none: arrow.vectorFromArray([null, null], new arrow.Null()),
  });

  it('reads Arrow directly and through Parquet alike', () => {
    for (const table of [source, throughParquet(source)]) {
      const typed = typedTable('arrow', table, 1000);
      expect(typed.header).toEqual(source.schema.fields.map((f) => f.name));
      expect(typed.rows).toEqual([
        [
          123.45,
          2 ** 40,
          0.5,
          '2023-11-14T22:13:20.000Z',
          '2023-11-14T22:13:20.123Z',
          '2024-02-29',
          '2024-02-29',
          '007',
          false,
          null,
        ],
        [-2.5, -3, null, '1970-01-01T00:00:00.000Z', null, null, null, null, true, null],
      ]);
      expect(typed.fileTypes).toEqual({
        dec: 'numeric',
        big: 'numeric',
        f32: 'numeric',
        sec: 'datetime',
        ns: 'datetime',
        day: 'datetime',
        ms: 'datetime',
        cat: 'strings',
        on: 'boolean',
        none: 'strings',
      });
    }
  });

  it('profiles by the declared types: digits as a category, a null column ignored', () => {
    const { fileTypes, ...table } = typedTable('arrow', source, 1000);
    const columns = tableOf(table, { fileTypes }).columns;
    const types = Object.fromEntries(columns.map((c) => [c.name, c.type]));
    expect(types).toEqual({
      dec: 'numeric',
      big: 'numeric',
      f32: 'numeric',
      sec: 'datetime',
      ns: 'datetime',
      day: 'datetime',
      ms: 'datetime',
      cat: 'categorical',
      on: 'boolean',
      none: 'ignored',
    });
    // without the file's types, the same cells profile by their texts: 007 is a number
    expect(tableOf(table, {}).columns.find((c) => c.name === 'cat')!.type).toBe('numeric');
  });
});

describe('refusals', () => {
  it('a column of a type the service cannot read, named with its type', () => {
    const table = new arrow.Table({
      at: arrow.vectorFromArray([1000, 2000], new arrow.TimeMillisecond()),
    });
    expect(issuesOf(() => typedTable('parquet', table, 100))).toEqual([
      {
        path: 'parquet.at',
        message:
          'column 1 is of type Time32<MILLISECOND>, which this service cannot read as a table column: convert it to numbers, strings, booleans or timestamps, or leave it out',
      },
    ]);
  });

  it('more cells than MAX_DATASET_CELLS, before any row is made', () => {
    const table = new arrow.Table({
      a: arrow.vectorFromArray([1, 2, 3], new arrow.Float64()),
      b: arrow.vectorFromArray([1, 2, 3], new arrow.Float64()),
    });
    expect(issuesOf(() => typedTable('arrow', table, 5))).toEqual([
      {
        path: 'arrow',
        message:
          'holds 3 rows of 2 columns, 6 cells; this service takes at most 5 (MAX_DATASET_CELLS): send fewer rows or columns',
      },
    ]);
  });

  it("a float column's Infinity, naming the row", () => {
    const table = new arrow.Table({
      x: arrow.vectorFromArray([1, Number.POSITIVE_INFINITY], new arrow.Float64()),
      y: arrow.vectorFromArray([1, 2], new arrow.Float64()),
    });
    const { fileTypes, ...cells } = typedTable('arrow', table, 100);
    expect(issuesOf(() => tableOf(cells, { fileTypes, label: 'y' }))).toEqual([
      {
        path: 'columns.x',
        message:
          'is numeric in the file, but row 2 holds Infinity, which is not a finite number; correct or blank that cell',
      },
    ]);
  });

  it('bytes that are not the file, with the reader’s reason', () => {
    const [issue] = issuesOf(() =>
      readArrowTable('parquet', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])),
    );
    expect(issue!.path).toBe('parquet');
    expect(issue!.message).toMatch(
      /^is not a readable Parquet file: could not be read \(.+\); send a whole Parquet file$/,
    );
  });
});
