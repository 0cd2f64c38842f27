// Where the runtime validates relaxed SIMD (Node 22+, or Node 20 with a flag) the fused
// multiply-add kernels are picked, and they agree with the TypeScript reference.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../helpers/relaxed-check.ts', import.meta.url));
const tsx = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

describe('relaxed SIMD kernels', () => {
  it('are picked when the runtime validates them, and agree with the reference', () => {
    const r = spawnSync(
      process.execPath,
      ['--experimental-wasm-relaxed-simd', '--import', tsx, script],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    const { kernel, worst, activations } = JSON.parse(r.stdout);
    expect(kernel).toBe('wasm-relaxed-simd');
    expect(worst).toBeLessThan(1e-5);
    expect(Object.keys(activations)).toHaveLength(7);
    for (const [name, error] of Object.entries(activations)) expect(error, name).toBeLessThan(1e-6);
  });
});
