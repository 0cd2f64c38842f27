// Predictions are the same bits on every machine: a predictor runs the plain SIMD kernels even
// where training gets the relaxed fused multiply-add ones (fused on some CPUs, not on others), so
// the service, `backprop predict` on a laptop and any CPU answer alike.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createPredictor,
  createRandom,
  initParameters,
  type NetworkShape,
} from '../../src/engine/index.js';
import { predictionBits } from '../helpers/predict-bits.js';

const script = fileURLToPath(new URL('../helpers/predict-bits.ts', import.meta.url));
const tsx = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

describe('a predictor', () => {
  it('answers the same bits where relaxed SIMD is on as where it is off', () => {
    const r = spawnSync(
      process.execPath,
      ['--experimental-wasm-relaxed-simd', '--import', tsx, script],
      { encoding: 'utf8' },
    );
    expect(r.stderr).toBe('');
    const relaxed = JSON.parse(r.stdout);
    const here = predictionBits();
    expect(relaxed.kernel).toBe('wasm-relaxed-simd'); // training there would fuse
    expect(here.kernel).toBe('wasm-simd');
    expect(relaxed.sha256).toBe(here.sha256);
  });

  it("answers a row the same bits whatever its place in the batch (the kernels' tiles)", () => {
    // odd widths and an input width past a multiple of 4: rows and units fall in every tile shape
    const shape: NetworkShape = {
      inputSize: 11,
      layers: [
        { units: 7, activation: 'tanh' },
        { units: 5, activation: 'relu' },
        { units: 3, activation: 'softmax' },
      ],
      divergence: 'cross_entropy',
    };
    const rows = 13;
    const random = createRandom(5);
    const inputs = Float32Array.from({ length: rows * 11 }, () => random.normal() * 2);
    const model = { shape, params: initParameters(shape, 9), scaler: null };
    const together = createPredictor(model)(inputs, rows);
    const alone = createPredictor(model, 1);
    for (let r = 0; r < rows; r++) {
      const one = alone(inputs.subarray(r * 11, (r + 1) * 11), 1);
      expect(Array.from(one), `row ${r}`).toEqual(Array.from(together.subarray(r * 3, r * 3 + 3)));
    }
    // and a batch that starts one row later puts every row in another tile, to the same bits
    const shifted = createPredictor(model)(inputs.subarray(11), rows - 1);
    expect(Array.from(shifted)).toEqual(Array.from(together.subarray(3)));
  });
});
