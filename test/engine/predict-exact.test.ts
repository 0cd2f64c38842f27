// Predictions are the same bits on every machine: a predictor runs the plain SIMD kernels even
// where training gets the relaxed fused multiply-add ones (fused on some CPUs, not on others), so
// the service, `backprop predict` on a laptop and any CPU answer alike.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
});
