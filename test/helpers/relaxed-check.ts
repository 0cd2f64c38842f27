// Run by test/engine/relaxed-simd.test.ts in a Node started with --experimental-wasm-relaxed-simd:
// which kernels were picked, and their largest relative error against the TypeScript kernels.
import { bestKernel, createRandom, createWasmArena, heapArena } from '../../src/engine/index.js';
import { worstActivationErrors } from './activation-check.js';

let worst = 0;
for (const [batch, nIn, nOut] of [
  [1, 1, 1],
  [3, 17, 5],
  [7, 129, 9],
  [32, 64, 32],
] as const) {
  const wasm = createWasmArena(1 << 16)!;
  const random = createRandom(batch + nIn + nOut);
  const place = (n: number) => {
    const values = Float32Array.from({ length: n }, () => random.normal());
    const view = wasm.alloc(n);
    view.set(values);
    return [values, view] as const;
  };
  const [y, yW] = place(batch * nIn);
  const [W, WW] = place(nOut * nIn);
  const [b, bW] = place(nOut);
  const z = new Float32Array(batch * nOut);
  const zW = wasm.alloc(batch * nOut);
  heapArena.kernels.affineForward(z, y, W, b, batch, nIn, nOut);
  wasm.kernels.affineForward(zW, yW, WW, bW, batch, nIn, nOut);
  for (let i = 0; i < z.length; i++)
    worst = Math.max(worst, Math.abs(z[i]! - zW[i]!) / Math.max(1, Math.abs(z[i]!)));
}
process.stdout.write(
  JSON.stringify({
    kernel: bestKernel(),
    worst,
    activations: worstActivationErrors(createWasmArena(1 << 20)!),
  }),
);
