// The pure part of batch predictions (src/data/batch-score.ts): the columns it appends and their
// names when the input has them already, CSV quoting, float32 inputs written shortest, and a
// table chunk where one row's cell cannot be read while the others are scored.
import { describe, expect, it } from 'vitest';
import {
  csvField,
  csvLine,
  float32Text,
  outputColumns,
  scoreMatrixChunk,
  scoreTableChunk,
} from '../../src/data/batch-score.js';
import { encodeTable } from '../../src/data/encoded-table.js';
import { defaultPreprocessOptions, type Preprocessor } from '../../src/spec/index.js';

describe('the output columns', () => {
  it('prediction, a probability per class, error; a name taken gets a leading _', () => {
    const classes = { classes: ['a', 'b'], outputs: 2 };
    expect(outputColumns(classes, ['x'])).toEqual([
      'prediction',
      'probability_a',
      'probability_b',
      'error',
    ]);
    expect(outputColumns(classes, ['prediction', '_prediction', 'error'])).toEqual([
      '__prediction',
      'probability_a',
      'probability_b',
      '_error',
    ]);
    expect(outputColumns({ outputs: 1 }, [])).toEqual(['prediction', 'error']);
    expect(outputColumns({ outputs: 2 }, [])).toEqual(['output_0', 'output_1', 'error']);
  });
});

describe('CSV text', () => {
  it('quotes a field with a comma, quote or line break (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvLine(['a', '', 'b,c'])).toBe('a,,"b,c"\n');
  });

  it('writes a float32 as the shortest decimal that reads back to it', () => {
    for (const x of [5.1, 0.1, 3.5, -2.25, 1e-7, 123456.7, 0]) {
      const f = Math.fround(x);
      expect(Math.fround(Number(float32Text(f)))).toBe(f);
      expect(float32Text(f)).toBe(String(x));
    }
  });
});

const pre: Preprocessor = {
  missingTokens: [],
  columns: [{ name: 'n', type: 'numeric', fill: 0, mean: 0, std: 1, indicator: false }],
  skipped: [],
  width: 1,
  inputNames: ['n'],
  options: defaultPreprocessOptions,
};

describe('a chunk of a table', () => {
  it('scores the rows it can read; a word in a number column is that row’s error', () => {
    const table = encodeTable({
      header: ['n', 'note'],
      rows: [
        ['1', 'a'],
        ['lots', 'b'],
        ['', 'c'],
      ],
    });
    const model = {
      preprocessing: pre,
      target: { name: 'y', task: 'regression' as const, mean: 10, std: 2 },
      outputs: 1,
    };
    // the network doubles its input: the value is 2n in standard units, so 10 + 4n
    const forward = (x: Float32Array, rows: number) =>
      Float32Array.from(x.subarray(0, rows), (v) => 2 * v);
    const text = scoreTableChunk(model, forward, table, 0, 3);
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('1,a,14,');
    // quoted, as the message holds quotes
    expect(lines[1]).toMatch(/^lots,b,,"n: must be a number \(got ""lots""\)/);
    // a blank is imputed (the fill, 0), as predict does
    expect(lines[2]).toBe(',c,10,');
  });

  it('marks a row whose outputs overflow, and carries a matrix row with its label', () => {
    const forward = (x: Float32Array) =>
      Float32Array.from(x, (v) => (v > 1 ? Number.POSITIVE_INFINITY : v));
    const model = { classes: ['no', 'yes'], outputs: 2 };
    const inputs = Float32Array.from([0.25, 0.75, 2, 0]);
    const text = scoreMatrixChunk(model, forward, inputs, 2, 0, 2, (r) => [r === 0 ? 'yes' : 'no']);
    const [first, second] = text.trim().split('\n');
    expect(first).toBe('0.25,0.75,yes,yes,0.25,0.75,');
    expect(second).toMatch(/^2,0,no,,,,overflows 32-bit floats/);
  });
});
