// Issue 16: a CSV or NDJSON upload is encoded as it is read (table-encoder.ts), never kept as
// rows of strings, and gives exactly the TableDataset the rows path gives (the body read into a
// Table by readCsvTableStream / readNdjsonStream, then tableOf): the same profiles, label,
// dropped rows, classes and EncodedTable, or the same refusals in the same order.
import { Readable } from 'node:stream';
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FileKind, readArrowTable, typedTable } from '../../src/data/arrow-table.js';
import { readCsvTableStream } from '../../src/data/csv-stream.js';
import type { Task } from '../../src/data/label-task.js';
import { readNdjsonStream } from '../../src/data/ndjson-stream.js';
import { checkLabel, type TableDataset } from '../../src/data/table-dataset.js';
import { readTable, type TableRequest, tableOf } from '../../src/data/table-upload.js';
import { AppError, ValidationError } from '../../src/errors.js';

type Outcome =
  | { dataset: TableDataset }
  | { refused: ValidationError['issues'] }
  | { appError: string; message: string };

async function outcome(made: () => Promise<TableDataset>): Promise<Outcome> {
  try {
    return { dataset: await made() };
  } catch (error) {
    if (error instanceof ValidationError) return { refused: error.issues };
    if (error instanceof AppError) return { appError: error.code, message: error.message };
    throw error;
  }
}

/** The body in the given pieces (so slices and lines break anywhere). */
const body = (text: string | Uint8Array, cuts: number[]) => {
  const bytes = Buffer.from(text);
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces = [0, ...at].map((start, i) => bytes.subarray(start, [...at, bytes.length][i]));
  return Readable.from(pieces.filter((p) => p.length > 0));
};

// The rows path: the body read into a Table of every row, then profiled and encoded.
async function rowsPath(request: TableRequest, text: string | Uint8Array, cuts: number[]) {
  if (typeof text !== 'string') {
    const kind = request.kind as FileKind;
    const { fileTypes, ...table } = typedTable(
      kind,
      readArrowTable(kind, text),
      request.limits.maxCells,
    );
    return tableOf(table, { ...request, fileTypes });
  }
  const source = body(text, cuts);
  const table =
    request.kind === 'csv'
      ? await readCsvTableStream(source, request.limits, (h) => checkLabel(h, request.label))
      : await readNdjsonStream(source, request.limits);
  return tableOf(table, request);
}

async function expectSame(request: TableRequest, text: string | Uint8Array, cuts: number[] = []) {
  const encoded = await outcome(() => readTable(request, body(text, cuts)));
  const rows = await outcome(() => rowsPath(request, text, cuts));
  expect(encoded).toStrictEqual(rows);
  if ('dataset' in encoded) {
    // the thread moves this buffer: it must hold the codes and nothing else
    const { codes } = encoded.dataset.table;
    expect(codes.buffer.byteLength).toBe(codes.byteLength);
  }
  return encoded;
}

// Cells: numbers, words, dates, booleans, the missing forms, and text that needs quoting.
const missingText = fc.constantFrom('', ' ', 'NA', 'n/a', 'null', '?', 'NaN', 'none', ' NA ');
const cellText = fc.oneof(
  missingText,
  fc.integer({ min: -3, max: 3 }).map(String),
  fc.constantFrom('-0', '0', '1e3', '+7', '.5', ' 2.50 ', '1,000', '0x1F', 'Infinity'),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String),
  fc.constantFrom('cat', 'dog', 'Cat', 'émeu', 'yes', 'no', 'TRUE', 'false'),
  fc.constantFrom('2020-01-02', '2020-02-30', '2021-03-04T05:06:07Z', '2021-03-04 05:06'),
  fc.constantFrom('a, b', 'say "hi"', 'two\nlines', ' spaced  '),
  fc.string({ maxLength: 4 }),
);

// A column's cells come from one kind, so that most columns have a type and most tables profile.
const withMissing = <T>(present: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: present }, { weight: 1, arbitrary: missingText });
const textKinds: fc.Arbitrary<string>[] = [
  withMissing(
    fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String), fc.constant('-0')),
  ),
  withMissing(fc.integer({ min: 0, max: 3 }).map(String)),
  withMissing(fc.constantFrom('cat', 'dog', 'Cat', 'émeu', 'a, b', 'say "hi"', 'two\nlines')),
  withMissing(
    fc.constantFrom('2020-01-02', '2021-03-04T05:06:07Z', '2021-03-04 05:06', '1999-12-31'),
  ),
  withMissing(fc.constantFrom('yes', 'no', 'TRUE', 'false')),
  cellText,
];
// JSON values: the same texts, and numbers, booleans and null as JSON gives them
const jsonKinds: fc.Arbitrary<unknown>[] = [
  ...textKinds,
  withMissing(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(-0, 0.1, 1e21, 2.5))),
  withMissing(fc.double({ noNaN: true, noDefaultInfinity: true })),
  fc.oneof(fc.boolean(), fc.constant(null), fc.integer({ min: 0, max: 2 })),
];

const goodNames: fc.Arbitrary<string[]> = fc.uniqueArray(
  fc.constantFrom('y', 'x', 'when', 'kind', 'note', 'X'),
  {
    minLength: 1,
    maxLength: 5,
  },
);
const anyNames: fc.Arbitrary<string[]> = fc.array(
  fc.constantFrom('y', 'x', 'when', 'kind', '', ' ', '__proto__', 'X'),
  {
    minLength: 1,
    maxLength: 5,
  },
);
const names: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 9, arbitrary: goodNames },
  { weight: 1, arbitrary: anyNames },
);
const rarely = fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, fc.constant(true));

// Quoted when it must be (or at random): csv-parse reads "a ""b""" as a "b".
const csvCell = (text: string, quote: boolean) =>
  quote || /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;

interface Body {
  names: string[];
  text: string;
}

// Rows of the header's width; when ragged, some shorter or longer.
const csvBody: fc.Arbitrary<Body> = fc
  .record({ names, ragged: rarely, crlf: fc.boolean() })
  .chain(({ names, ragged, crlf }) => {
    const cells = names.map(() => fc.constantFrom(...textKinds).chain((k) => k));
    const shape = ragged ? fc.integer({ min: -3, max: 1 }) : fc.constant(0);
    const row = fc
      .tuple(fc.tuple(...cells), shape, cellText, fc.boolean())
      .map(([cells, more, extra, quote]) =>
        (more <= 0 ? cells.slice(0, cells.length + more) : [...cells, extra])
          .map((t) => csvCell(t, quote))
          .join(','),
      );
    return fc.array(row, { maxLength: 30 }).map((rows) => ({
      names,
      text: [names.map((n) => csvCell(n, false)).join(','), ...rows].join(crlf ? '\r\n' : '\n'),
    }));
  });

// A JSON value as NDJSON writes it: -0 kept (JSON.stringify writes 0).
const jsonText = (v: unknown) => (Object.is(v, -0) ? '-0' : JSON.stringify(v));

// Records of some of the keys, in any order; when ragged, some lines no record at all.
const ndjsonBody: fc.Arbitrary<Body> = fc
  .record({ names: goodNames, ragged: rarely })
  .chain(({ names, ragged }) => {
    const values = names.map(() => fc.constantFrom(...jsonKinds).chain((k) => k));
    const record = fc
      .tuple(fc.tuple(...values), fc.shuffledSubarray([...names.keys()]))
      .map(
        ([v, keys]) =>
          `{${keys.map((c) => `${JSON.stringify(names[c])}:${jsonText(v[c])}`).join(',')}}`,
      );
    const bad = fc.constantFrom('', '  ', '[1,2]', '{"x":[1]}', '{"x":', '"text"');
    const line = ragged ? fc.oneof({ weight: 8, arbitrary: record }, bad) : record;
    return fc.array(line, { maxLength: 25 }).map((lines) => ({ names, text: lines.join('\n') }));
  });

const request = (kind: TableRequest['kind'], names: string[]): fc.Arbitrary<TableRequest> =>
  fc
    .record({
      label: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...names) },
        fc.constantFrom(undefined, 'nothing'),
      ),
      task: fc.constantFrom<Task | undefined>(undefined, undefined, 'classification', 'regression'),
      missingTokens: fc.constantFrom(undefined, undefined, ['none', 'NA'], [], ['?']),
      maxCells: fc.constantFrom(1e6, 1e6, 1e6, 12),
    })
    .map(({ maxCells, ...options }) => ({
      kind,
      ...(Object.fromEntries(
        Object.entries(options).filter(([, v]) => v !== undefined),
      ) as Partial<TableRequest>),
      limits: { maxBytes: 1e6, maxCells },
    }));

// Arrow columns of each type the encoder meets: floats (NaN, -0, Infinity), ints, strings with
// the missing tokens, booleans, dates and dictionaries, with nulls.
const arrowColumn = (rows: number) => {
  const of = <T>(type: arrow.DataType, values: fc.Arbitrary<T>) =>
    fc
      .array(fc.option(values, { freq: 5, nil: null }), { minLength: rows, maxLength: rows })
      .map((v) => arrow.vectorFromArray(v, type) as arrow.Vector);
  return fc.oneof(
    of(new arrow.Float64(), fc.oneof(fc.double(), fc.constantFrom(-0, 0, 1.5, 2))),
    of(new arrow.Int32(), fc.integer({ min: -2, max: 3 })),
    of(new arrow.Utf8(), fc.oneof(missingText, fc.constantFrom('cat', 'dog', ' 7 ', '2020-01-02'))),
    of(new arrow.Bool(), fc.boolean()),
    of(
      new arrow.DateDay(),
      fc.integer({ min: 0, max: 3 }).map((d) => new Date(d * 86_400_000)),
    ),
    of(new arrow.Dictionary(new arrow.Utf8(), new arrow.Int8()), fc.constantFrom('a', 'b', 'NA')),
  );
};

const arrowBody = fc.tuple(goodNames, fc.integer({ min: 0, max: 25 })).chain(([names, rows]) =>
  fc.tuple(...names.map(() => arrowColumn(rows))).map((vectors) => ({
    names,
    bytes: arrow.tableToIPC(
      new arrow.Table(Object.fromEntries(names.map((n, c) => [n, vectors[c]!]))),
      'file',
    ),
  })),
);

/** A body and a request for it, and where the body is cut into pieces. */
const upload = (kind: 'csv' | 'ndjson') =>
  (kind === 'csv' ? csvBody : ndjsonBody).chain((body) =>
    fc.tuple(
      fc.constant(body.text),
      request(kind, body.names),
      fc.array(fc.nat(), { maxLength: 3 }),
    ),
  );

describe('a table encoded as it is read', () => {
  for (const kind of ['csv', 'ndjson'] as const) {
    it(`gives ${kind} the rows path’s dataset or refusals exactly`, async () => {
      await fc.assert(
        fc.asyncProperty(upload(kind), async ([text, r, cuts]) => {
          await expectSame(r, text, cuts);
        }),
        { numRuns: 800 },
      );
    });
  }

  it('gives Arrow IPC the rows path’s dataset or refusals exactly', async () => {
    const upload = arrowBody.chain(({ names, bytes }) =>
      fc.tuple(fc.constant(bytes), request('arrow', names)),
    );
    await fc.assert(
      fc.asyncProperty(upload, async ([bytes, r]) => {
        await expectSame(r, bytes);
      }),
      { numRuns: 300 },
    );
  });

  const csv = { kind: 'csv', limits: { maxBytes: 1e8, maxCells: 1e8 } } as const;

  it('keeps 70,000 rows (past one chunk of codes), dropping those without a label', async () => {
    const lines = ['x,kind,y,when'];
    for (let r = 0; r < 70_000; r++) {
      const y = r % 7 === 3 ? 'NA' : r % 3;
      lines.push(
        `${(r % 1000) / 8},k${r % 50},${y},2020-01-${String(1 + (r % 28)).padStart(2, '0')}`,
      );
    }
    const { dataset } = (await expectSame({ ...csv, label: 'y' }, lines.join('\n'))) as {
      dataset: TableDataset;
    };
    expect(dataset.table.rows).toBe(60_000);
    expect(dataset.droppedRows[0]).toMatchObject({
      count: 10_000,
      rows: Array.from({ length: 20 }, (_, i) => 4 + 7 * i),
    });
    expect(dataset.table.dictionaries[1]).toHaveLength(50);
    expect(dataset.classes).toEqual([0, 1, 2]);
  });

  it('refuses rows longer than the header as profiling does, the first 20 listed', async () => {
    const rows = Array.from({ length: 30 }, (_, r) => (r % 2 === 0 ? '1,2' : '1,2,3'));
    const { refused } = (await expectSame({ ...csv, label: 'y' }, ['x,y', ...rows].join('\n'))) as {
      refused: { path: string; message: string }[];
    };
    expect(refused).toHaveLength(15);
    expect(refused[0]).toEqual({
      path: 'rows',
      message:
        'row 2 has 3 cells but the header names 2 columns; name every column or remove the extra cells',
    });
    expect(refused[14]!.message).toMatch(/^row 30 has 3 cells/);
    const many = Array.from({ length: 30 }, () => '1,2,3');
    const more = (await expectSame({ ...csv, label: 'y' }, ['x,y', ...many].join('\n'))) as {
      refused: { path: string; message: string }[];
    };
    expect(more.refused).toHaveLength(21);
    expect(more.refused[20]).toEqual({ path: '', message: 'only the first 20 issues are listed' });
  });

  it('reads NDJSON’s 1 and "1" as one text and -0 apart from 0 in the profile, as the rows do', async () => {
    const text = ['{"x":-0,"y":"a"}', '{"x":1,"y":"b"}', '{"x":"1","y":"a"}', '{"x":0}'].join('\n');
    const { dataset } = (await expectSame(
      { kind: 'ndjson', label: 'y', limits: csv.limits },
      text,
    )) as { dataset: TableDataset };
    expect(dataset.table.dictionaries).toEqual([
      ['0', '1'],
      ['a', 'b'],
    ]);
    expect([...dataset.table.codes]).toEqual([0, 1, 1, 0, 1, 0]);
    expect(Object.is(dataset.columns[0]!.type === 'numeric' && dataset.columns[0]!.min, -0)).toBe(
      true,
    );
  });
});
