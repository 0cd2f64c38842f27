// A model's receipt (issue 15): the SHA-256 of its data and of its weights, the spec, the seed
// and the engine's version; the same training gives the same receipt, other data another.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromTargets, loadBuiltin } from '../../src/data/index.js';
import { evaluateHeldOut } from '../../src/data/job-data.js';
import {
  engineVersion,
  receiptOf,
  reproducesOf,
  reproductionOf,
  rowsSha256,
  tableSha256,
  weightsSha256,
} from '../../src/data/receipt.js';
import { prepareJob } from '../../src/data/resolve.js';
import { train } from '../../src/engine/index.js';

describe('the receipt', () => {
  it("names the package's version as the engine's", () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(engineVersion).toBe(pkg.version);
  });

  it('hashes the weights as W_k then b_k, little-endian float32', () => {
    const params = { W: [Float32Array.of(1, 2)], b: [Float32Array.of(0.5)] };
    const bytes = Buffer.alloc(12);
    [1, 2, 0.5].forEach((v, i) => bytes.writeFloatLE(v, 4 * i));
    expect(weightsSha256(params)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('tells data apart by every row, and by its shape', () => {
    const a = fromTargets([[1], [2]], [[0], [1]]);
    expect(rowsSha256(a)).toBe(rowsSha256(fromTargets([[1], [2]], [[0], [1]])));
    expect(rowsSha256(a)).not.toBe(rowsSha256(fromTargets([[1], [3]], [[0], [1]])));
    expect(rowsSha256(a)).not.toBe(rowsSha256(fromTargets([[1, 2]], [[0, 1]])));
    expect(rowsSha256(loadBuiltin('iris', 'train'))).not.toBe(
      rowsSha256(loadBuiltin('iris', 'test')),
    );
    const table = {
      header: ['x'],
      rows: 2,
      dictionaries: [['a', 'b']],
      codes: Int32Array.of(0, 1),
    };
    expect(tableSha256(table)).not.toBe(tableSha256({ ...table, codes: Int32Array.of(1, 0) }));
  });

  it('is the same for the same job trained twice, with the spec and seed it was trained from', () => {
    const job = {
      dataset: { csv: 'test/fixtures/cars.csv', label: 'Miles_per_Gallon' },
      training: { seed: 5, epochs: 20 },
    };
    const receipts = [1, 2].map(() => {
      const { job: resolved, data, rows } = prepareJob(job, { allowFiles: true });
      const result = train(resolved.network, data, resolved.training);
      const model = { shape: resolved.network, params: result.params, scaler: result.scaler };
      expect(evaluateHeldOut(model, resolved.network, rows)).toBeDefined();
      return receiptOf(resolved, rows.datasetSha256, result.params);
    });
    expect(receipts[1]).toEqual(receipts[0]);
    expect(receipts[0]).toMatchObject({ seed: 5, engineVersion, spec: { training: { seed: 5 } } });
    expect(receipts[0]!.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('a reproduction compared with its receipt', () => {
  const receipt = {
    datasetSha256: 'd'.repeat(64),
    spec: {
      network: { inputSize: 1, layers: [], divergence: 'l2' as const },
      dataset: {},
      training: {},
    },
    seed: 1,
    engineVersion: '0.1.0',
    weightsSha256: 'w'.repeat(64),
  };
  const original = reproducesOf('m1', receipt, 'wasm-simd');

  it('equal: the same weights, nothing differing', () => {
    expect(reproductionOf(original, receipt, 'wasm-simd')).toEqual({
      model: 'm1',
      expected: 'w'.repeat(64),
      actual: 'w'.repeat(64),
      equal: true,
      datasetSha256Equal: true,
      engineVersionEqual: true,
      reasons: [],
    });
  });

  it('names the data, the engine and the kernels where they differ', () => {
    const now = {
      ...receipt,
      datasetSha256: 'e'.repeat(64),
      engineVersion: '0.2.0',
      weightsSha256: 'x'.repeat(64),
    };
    const r = reproductionOf(original, now, 'wasm-relaxed-simd');
    expect(r).toMatchObject({ equal: false, datasetSha256Equal: false, engineVersionEqual: false });
    expect(r.reasons).toEqual([
      `the data differs: it hashes to ${'e'.repeat(64)} now, ${'d'.repeat(64)} in the receipt`,
      'the engine differs: version 0.2.0 now, 0.1.0 in the receipt',
      expect.stringMatching(/^the kernels differ: wasm-relaxed-simd now, wasm-simd then/),
    ]);
  });

  it('says so when the weights differ and nothing known does', () => {
    const r = reproductionOf(original, { ...receipt, weightsSha256: 'x'.repeat(64) }, 'wasm-simd');
    expect(r.equal).toBe(false);
    expect(r.reasons).toEqual([expect.stringContaining('the same data, engine and kernels')]);
  });
});
