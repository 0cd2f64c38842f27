// The streaming CSV reader for uploads: the same rows as the whole-text reader however the bytes
// are cut, and its refusals (bytes, values, broken quoting, no rows) with the line or limit.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';
import { readCsvStream, type StreamLimits } from '../../src/data/csv-stream.js';
import { AppError, type ValidationError } from '../../src/errors.js';

const unlimited: StreamLimits = { maxBytes: 1e9, maxCells: 1e9 };

/** `text` as a stream of byte pieces cut every `size` bytes (through numbers and characters). */
const pieces = (text: string, size: number) => {
  const bytes = Buffer.from(text);
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size));
  return Readable.from(out);
};

async function refusal(text: string, limits: StreamLimits, options = { label: 'kind' }) {
  try {
    await readCsvStream(pieces(text, 7), options, limits);
  } catch (error) {
    return error as AppError;
  }
  throw new Error('expected a refusal');
}

const flowers = 'a,b,kind\n1.5,2,rosé\n3,4e1,tulip\n\n5,-6,rosé\n';

describe('readCsvStream', () => {
  it('reads the rows parseCsv reads, cut anywhere, classes as indices', async () => {
    const whole = parseCsv(flowers, { label: 'kind' });
    for (const size of [1, 2, 5, 64 * 1024]) {
      const d = await readCsvStream(pieces(flowers, size), { label: 'kind' }, unlimited);
      expect(d).toMatchObject({ rows: 3, features: 2, outputs: 2, classes: ['rosé', 'tulip'] });
      expect(Array.from(d.inputs)).toEqual(Array.from(whole.inputs));
      expect(Array.from(d.labels!)).toEqual([0, 1, 0]);
      expect(d.featureNames).toEqual(['a', 'b']);
      expect(d.targets).toBeUndefined();
    }
  });

  it('reads regression targets and a body larger than one 64 KiB slice', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `${i},${i / 4},${-i}\n`);
    const text = `x,y,t\n${rows.join('')}`;
    expect(text.length).toBeGreaterThan(3 * 64 * 1024);
    const d = await readCsvStream(Readable.from([text]), { targets: ['t'] }, unlimited);
    expect(d).toMatchObject({ rows: 20_000, features: 2, outputs: 1 });
    expect(Array.from(d.inputs.subarray(2 * 19_999))).toEqual([19_999, 19_999 / 4]);
    expect(d.targets![12_345]).toBe(-12_345);
  });

  it('refuses more bytes than maxBytes with a 413 naming MAX_DATASET_BYTES', async () => {
    const error = await refusal(flowers, { ...unlimited, maxBytes: 20 });
    expect(error).toBeInstanceOf(AppError);
    expect(error.status).toBe(413);
    expect(error.message).toBe('the body is larger than the limit of 20 bytes (MAX_DATASET_BYTES)');
  });

  it('refuses inputs, or one-hot targets to be, past maxCells, naming MAX_DATASET_CELLS', async () => {
    const inputs = await refusal(flowers, { ...unlimited, maxCells: 5 });
    expect((inputs as ValidationError).issues).toEqual([
      {
        path: 'csv',
        message: 'has at least 3 rows × 2 values; this service takes at most 5 (MAX_DATASET_CELLS)',
      },
    ]);
    const oneHot = await refusal(
      'x,c\n1,0\n2,0\n3,9\n',
      { ...unlimited, maxCells: 20 },
      {
        label: 'c',
      },
    );
    expect((oneHot as ValidationError).issues).toEqual([
      {
        path: 'label',
        message:
          '3 rows × 10 classes = 30 one-hot target values; this service trains on at most 20 (MAX_DATASET_CELLS): number the classes from 0 without gaps, or use fewer rows',
      },
    ]);
  });

  it('names the line of broken quoting, and a CSV with no rows', async () => {
    const quote = await refusal('a,kind\n1,"x\n2,y\n', unlimited);
    expect((quote as ValidationError).issues[0]!.path).toBe('csv.line 3');
    expect(((await refusal('', unlimited)) as ValidationError).issues[0]!.message).toMatch(
      /is empty/,
    );
    expect(((await refusal('a,kind\n', unlimited)) as ValidationError).issues[0]!.message).toMatch(
      /no data rows/,
    );
    const missing = await refusal('a,b\n1,2\n', unlimited);
    expect((missing as ValidationError).issues[0]!.path).toBe('label');
  });
});
