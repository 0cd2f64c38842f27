// The register-blocked kernels against the plain triple loops of BACKPROP.md, on odd sizes that
// exercise every remainder path as well as round ones.
import { describe, expect, it } from 'vitest';
import {
  type Arena,
  bestKernel,
  createRandom,
  createWasmArena,
  heapArena,
  wasmSimdAvailable,
} from '../../src/engine/index.js';

const sizes = [1, 2, 3, 4, 5, 6, 7, 17, 129];

function fill(n: number, random: ReturnType<typeof createRandom>, zeros = false): Float32Array {
  // some exact zeros, as ReLU leaves in gradients
  return Float32Array.from({ length: n }, () =>
    zeros && random.next() < 0.2 ? 0 : random.normal(),
  );
}

// float32 sums of `terms` products drift from the float64 reference by about terms · 2⁻²⁴;
// the worst element, relative to its tolerance, is at most 1
function expectClose(actual: Float32Array, expected: Float64Array, terms = 0) {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const tolerance = 1e-5 * Math.max(1, terms / 128) * Math.max(1, Math.abs(expected[i]!));
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / tolerance);
  }
  expect(actual.length).toBe(expected.length);
  expect(worst).toBeLessThanOrEqual(1);
}

const arenas: [string, () => Arena][] = [
  ['typescript', () => heapArena],
  ['wasm', () => createWasmArena(1 << 20)!],
];

it('WebAssembly SIMD is available on this runtime', () => {
  expect(wasmSimdAvailable()).toBe(true);
  expect(['wasm-simd', 'wasm-relaxed-simd']).toContain(bestKernel());
});

it('an arena past what wasm32 can address is refused (callers fall back to the heap)', () => {
  expect(createWasmArena(2 ** 31)).toBeNull();
  expect(createWasmArena(1000)!.kernels.name).toBe(bestKernel());
});

describe.each(arenas)('%s kernels', (_name, makeArena) => {
  for (const batch of sizes) {
    for (const [nIn, nOut] of [
      [1, 1],
      [3, 5],
      [17, 4],
      [129, 3],
      [8, 129],
      // a 4-wide column tile after the 16-wide ones, and nOut past a 16-wide bias tile
      [20, 21],
      [13, 36],
      // backwardInput reads W in blocks of 256 KiB: 2049 floats a row makes blocks of 31 rows
      [2049, 33],
    ] as const) {
      it(`batch ${batch}, nIn ${nIn}, nOut ${nOut}`, () => {
        const arena = makeArena();
        const { affineForward, affineBackwardInput, affineBackwardParams } = arena.kernels;
        const inArena = (a: Float32Array) => {
          const view = arena.alloc(a.length);
          view.set(a);
          return view;
        };
        const random = createRandom(batch * 1000 + nIn * 10 + nOut);
        const y = inArena(fill(batch * nIn, random));
        const W = inArena(fill(nOut * nIn, random));
        const b = inArena(fill(nOut, random));
        const dZ = inArena(fill(batch * nOut, random, true));

        // z = y Wᵀ + b
        const z = arena.alloc(batch * nOut);
        affineForward(z, y, W, b, batch, nIn, nOut);
        const zRef = new Float64Array(batch * nOut);
        for (let r = 0; r < batch; r++)
          for (let j = 0; j < nOut; j++) {
            let s = b[j]!;
            for (let i = 0; i < nIn; i++) s += y[r * nIn + i]! * W[j * nIn + i]!;
            zRef[r * nOut + j] = s;
          }
        expectClose(z, zRef, nIn);

        // dY = dZ W
        const dY = arena.alloc(batch * nIn).fill(Number.NaN);
        affineBackwardInput(dY, dZ, W, batch, nIn, nOut);
        const dYRef = new Float64Array(batch * nIn);
        for (let r = 0; r < batch; r++)
          for (let i = 0; i < nIn; i++) {
            let s = 0;
            for (let j = 0; j < nOut; j++) s += dZ[r * nOut + j]! * W[j * nIn + i]!;
            dYRef[r * nIn + i] = s;
          }
        expectClose(dY, dYRef);

        // dW += dZᵀ y, db += column sums (accumulating onto what is there)
        const dW = arena.alloc(nOut * nIn).fill(0.5);
        const db = arena.alloc(nOut).fill(-0.25);
        affineBackwardParams(dW, db, dZ, y, batch, nIn, nOut);
        const dWRef = new Float64Array(nOut * nIn).fill(0.5);
        const dbRef = new Float64Array(nOut).fill(-0.25);
        for (let j = 0; j < nOut; j++)
          for (let r = 0; r < batch; r++) {
            dbRef[j]! += dZ[r * nOut + j]!;
            for (let i = 0; i < nIn; i++)
              dWRef[j * nIn + i]! += dZ[r * nOut + j]! * y[r * nIn + i]!;
          }
        expectClose(dW, dWRef);
        expectClose(db, dbRef);
      });
    }
  }
});
