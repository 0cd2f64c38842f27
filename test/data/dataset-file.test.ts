// The dataset file (issue 16): rows with labels, rows with targets, a table and zero rows written
// by rowsFile/tableFile read back by readDatasetFile into the same typed arrays, bit for bit
// (-0 and subnormals too), however the bytes are cut into chunks (random split points, one byte
// a chunk, splits inside the head); a cut file, bytes past its end and a file that is not one
// are refused with the error that says so.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readDatasetFile, rowsFile, tableFile } from '../../src/data/dataset-file.js';
import type { DataRows } from '../../src/data/index.js';

const bytesOf = (a: Float32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

async function* chunked(chunks: Uint8Array[]): AsyncIterable<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

/** `file` cut at `cuts` (byte positions, any order, repeats allowed: empty chunks too). */
function splitAt(file: Buffer, cuts: number[]): Buffer[] {
  const points = [0, ...cuts.map((c) => c % (file.length + 1)).sort((a, b) => a - b), file.length];
  return points.slice(1).map((end, i) => Buffer.from(file.subarray(points[i], end)));
}

const oneByteChunks = (file: Buffer) => Array.from(file, (b) => Buffer.from([b]));

/** Float32 values that must survive as they are: -0, the smallest subnormals, the extremes. */
const awkward = [-0, 0, 1.4e-45, -1.4e-45, 1.1754942e-38, 3.4028235e38, -3.4028235e38, Infinity];

const labelled: DataRows = {
  rows: 3,
  features: 4,
  outputs: 2,
  inputs: Float32Array.from([...awkward, 1.5, -2.25, 0.1, 1e-40]),
  labels: Int32Array.from([1, 0, 1]),
  classes: ['no', 'yes'],
};

const regression: DataRows = {
  rows: 2,
  features: 2,
  outputs: 3,
  inputs: Float32Array.from([-0, 3.5, 1e-42, -7]),
  targets: Float32Array.from([0.5, -0, 2e-44, -1e30, 4, 8]),
};

const table = {
  header: ['名前', 'city', 'émoji 🎉', ''],
  rows: 3,
  dictionaries: [['Ärger', 'ß'], ['Zürich', 'São Paulo', '東京'], ['🎉', '"quoted", comma'], []],
  // column-major, -1 missing
  codes: Int32Array.from([0, -1, 1, 2, 1, 0, -1, -1, 1, -1, -1, -1]),
};

const fileOf = (chunks: Buffer[]) => Buffer.concat(chunks);

describe('round trip', () => {
  it('rows with labels: inputs and labels bit for bit, -0 and subnormals kept', async () => {
    const file = fileOf(rowsFile(labelled));
    const read = await readDatasetFile(chunked([file]));
    expect(read.head).toEqual({
      kind: 'rows',
      sections: [
        { name: 'inputs', type: 'f32', length: 12 },
        { name: 'labels', type: 'i32', length: 3 },
      ],
    });
    expect(read.arrays.inputs).toBeInstanceOf(Float32Array);
    expect(read.arrays.labels).toBeInstanceOf(Int32Array);
    expect(bytesOf(read.arrays.inputs!)).toEqual(bytesOf(labelled.inputs));
    expect(Object.is(read.arrays.inputs![0], -0)).toBe(true);
    expect(read.arrays.inputs![2]).toBe(Math.fround(1.4e-45));
    expect(read.arrays.inputs![11]).toBe(Math.fround(1e-40));
    expect([...read.arrays.labels!]).toEqual([1, 0, 1]);
    expect(Object.keys(read.arrays)).toEqual(['inputs', 'labels']);
  });

  it('rows with targets: a float32 targets section, no labels', async () => {
    const read = await readDatasetFile(chunked(rowsFile(regression)));
    expect(read.head.sections.map((s) => [s.name, s.type, s.length])).toEqual([
      ['inputs', 'f32', 4],
      ['targets', 'f32', 6],
    ]);
    expect(read.arrays.targets).toBeInstanceOf(Float32Array);
    expect(bytesOf(read.arrays.inputs!)).toEqual(bytesOf(regression.inputs));
    expect(bytesOf(read.arrays.targets!)).toEqual(bytesOf(regression.targets!));
    expect(Object.is(read.arrays.targets![1], -0)).toBe(true);
    expect(read.arrays.labels).toBeUndefined();
  });

  it('a table: header and dictionaries (unicode, an empty one) and codes with -1', async () => {
    const read = await readDatasetFile(chunked(tableFile(table)));
    expect(read.head.kind).toBe('table');
    expect(read.head.header).toEqual(table.header);
    expect(read.head.dictionaries).toEqual(table.dictionaries);
    expect(read.arrays.codes).toBeInstanceOf(Int32Array);
    expect([...read.arrays.codes!]).toEqual([...table.codes]);
  });

  it('zero rows: empty sections, read as empty arrays', async () => {
    const empty: DataRows = {
      rows: 0,
      features: 3,
      outputs: 1,
      inputs: new Float32Array(0),
      targets: new Float32Array(0),
    };
    const read = await readDatasetFile(chunked(rowsFile(empty)));
    expect(read.arrays.inputs).toBeInstanceOf(Float32Array);
    expect(read.arrays.inputs!.length).toBe(0);
    expect(read.arrays.targets!.length).toBe(0);
    const noTable = await readDatasetFile(
      chunked(
        tableFile({
          header: ['a', 'b'],
          rows: 0,
          dictionaries: [[], []],
          codes: new Int32Array(0),
        }),
      ),
    );
    expect(noTable.head.header).toEqual(['a', 'b']);
    expect(noTable.arrays.codes!.length).toBe(0);
  });

  it('arrays that are views at an offset of a larger buffer are written as their own values', async () => {
    const backing = new Float32Array([9, 9, 1, 2, 3, 4, 9]);
    const inputs = backing.subarray(2, 6);
    const labels = new Int32Array([7, 0, 3, 7]).subarray(1, 3);
    const read = await readDatasetFile(
      chunked(rowsFile({ rows: 2, features: 2, outputs: 4, inputs, labels })),
    );
    expect([...read.arrays.inputs!]).toEqual([1, 2, 3, 4]);
    expect([...read.arrays.labels!]).toEqual([0, 3]);
  });

  it('the data starts at a multiple of 4 whatever the head length', async () => {
    for (let n = 0; n < 4; n++) {
      const file = fileOf(
        tableFile({ ...table, header: ['x'.repeat(n), ...table.header.slice(1)] }),
      );
      const jsonLength = file.readUInt32LE(8);
      const dataStart = file.length - table.codes.length * 4;
      expect(dataStart % 4).toBe(0);
      expect(dataStart - 12 - jsonLength).toBeLessThan(4);
      const read = await readDatasetFile(chunked(oneByteChunks(file)));
      expect([...read.arrays.codes!]).toEqual([...table.codes]);
    }
  });
});

describe('chunks split anywhere read the same', () => {
  const files = {
    labelled: fileOf(rowsFile(labelled)),
    regression: fileOf(rowsFile(regression)),
    table: fileOf(tableFile(table)),
  };

  it('one byte a chunk', async () => {
    for (const file of Object.values(files)) {
      const whole = await readDatasetFile(chunked([file]));
      const byBytes = await readDatasetFile(chunked(oneByteChunks(file)));
      expect(byBytes.head).toEqual(whole.head);
      for (const name of Object.keys(whole.arrays)) {
        expect(bytesOf(byBytes.arrays[name]!)).toEqual(bytesOf(whole.arrays[name]!));
      }
    }
  });

  it('splits inside the head (magic, version, length, JSON) and inside values', async () => {
    const file = files.table;
    for (const cut of [1, 3, 4, 7, 8, 11, 12, 13, 20, file.length - 5, file.length - 1]) {
      const read = await readDatasetFile(chunked(splitAt(file, [cut])));
      expect(read.head.dictionaries).toEqual(table.dictionaries);
      expect([...read.arrays.codes!]).toEqual([...table.codes]);
    }
  });

  it('random rows (any float32: -0, subnormals, infinities) at random split points: the same bits', async () => {
    const rowsArbitrary = fc
      .record({ rows: fc.integer({ min: 0, max: 12 }), features: fc.integer({ min: 1, max: 5 }) })
      .chain(({ rows, features }) =>
        fc.record({
          rows: fc.constant(rows),
          features: fc.constant(features),
          inputs: fc.array(fc.float({ noNaN: true }), {
            minLength: rows * features,
            maxLength: rows * features,
          }),
          second: fc.oneof(
            fc.record({
              labels: fc.array(fc.integer({ min: -1, max: 2 ** 31 - 1 }), {
                minLength: rows,
                maxLength: rows,
              }),
            }),
            fc.record({
              targets: fc.array(fc.float({ noNaN: true }), {
                minLength: rows * 2,
                maxLength: rows * 2,
              }),
            }),
          ),
        }),
      );
    await fc.assert(
      fc.asyncProperty(
        rowsArbitrary,
        fc.array(fc.nat(), { maxLength: 20 }),
        async ({ rows, features, inputs, second }, cuts) => {
          const data: DataRows = {
            rows,
            features,
            outputs: 2,
            inputs: Float32Array.from(inputs),
            ...('labels' in second
              ? { labels: Int32Array.from(second.labels) }
              : { targets: Float32Array.from(second.targets) }),
          };
          const file = fileOf(rowsFile(data));
          const read = await readDatasetFile(chunked(splitAt(file, cuts)));
          expect(bytesOf(read.arrays.inputs!)).toEqual(bytesOf(data.inputs));
          const [name, array] = data.labels ? ['labels', data.labels] : ['targets', data.targets!];
          expect(read.arrays[name]).toBeInstanceOf(data.labels ? Int32Array : Float32Array);
          expect(bytesOf(read.arrays[name]!)).toEqual(bytesOf(array));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random tables (unicode dictionaries, codes with -1) at random split points', async () => {
    const tableArbitrary = fc
      .record({ rows: fc.integer({ min: 0, max: 8 }), width: fc.integer({ min: 1, max: 4 }) })
      .chain(({ rows, width }) =>
        fc.record({
          rows: fc.constant(rows),
          header: fc.array(fc.string({ unit: 'binary' }), { minLength: width, maxLength: width }),
          dictionaries: fc.array(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 5 }), {
            minLength: width,
            maxLength: width,
          }),
          codes: fc.array(fc.integer({ min: -1, max: 4 }), {
            minLength: rows * width,
            maxLength: rows * width,
          }),
        }),
      );
    await fc.assert(
      fc.asyncProperty(tableArbitrary, fc.array(fc.nat(), { maxLength: 20 }), async (t, cuts) => {
        const encoded = { ...t, codes: Int32Array.from(t.codes) };
        const read = await readDatasetFile(chunked(splitAt(fileOf(tableFile(encoded)), cuts)));
        expect(read.head.header).toEqual(t.header);
        expect(read.head.dictionaries).toEqual(t.dictionaries);
        expect([...read.arrays.codes!]).toEqual(t.codes);
      }),
      { numRuns: 300 },
    );
  });
});

describe('refusals', () => {
  const file = fileOf(rowsFile(labelled));

  it('a file cut anywhere (in the head or the values) is "cut short"', async () => {
    for (const length of [0, 3, 11, 12, 20, file.length - 12, file.length - 1]) {
      await expect(
        readDatasetFile(chunked(oneByteChunks(file.subarray(0, length)))),
      ).rejects.toThrow('dataset file: cut short');
    }
  });

  it('bytes past its last section are refused', async () => {
    await expect(readDatasetFile(chunked([file, Buffer.from([0])]))).rejects.toThrow(
      'dataset file: bytes past its last section',
    );
  });

  it('a file that is not a dataset file (CSV, gzip) says so', async () => {
    await expect(readDatasetFile(chunked([Buffer.from('a,b,c\n1,2,3\n')]))).rejects.toThrow(
      'not a dataset file (no BPDS)',
    );
    const gzip = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0]);
    await expect(readDatasetFile(chunked(oneByteChunks(gzip)))).rejects.toThrow(
      'not a dataset file (no BPDS)',
    );
  });

  it('another version is named', async () => {
    const other = Buffer.from(file);
    other.writeUInt32LE(2, 4);
    await expect(readDatasetFile(chunked([other]))).rejects.toThrow(
      'dataset file version 2 is not known',
    );
  });
});
