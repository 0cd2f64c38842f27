// sigmoid, tanh, softmax and relu in wasm SIMD (and the scalar ones' backward steps, and the
// fused output gradient) agree with the TypeScript code to about one float32 rounding, from
// tiny inputs to ones past exp's range; the other activations stay in TypeScript. The wasm
// gradient-descent step and mini-batch gather agree with theirs too.
import { describe, expect, it } from 'vitest';
import { createWasmArena, typescriptKernels } from '../../src/engine/index.js';
import { worstActivationErrors } from '../helpers/activation-check.js';

describe('wasm activations', () => {
  it('match the TypeScript ones within a few float32 roundings', () => {
    const worst = worstActivationErrors(createWasmArena(1 << 20)!);
    expect(Object.keys(worst).sort()).toEqual([
      'relu',
      'relu backward',
      'sigmoid',
      'sigmoid backward',
      'softmax',
      'tanh',
      'tanh backward',
    ]);
    for (const [name, error] of Object.entries(worst)) expect(error, name).toBeLessThan(1e-6);
  });

  it('computes the fused output gradient scale · (y − d) as TypeScript does', () => {
    const arena = createWasmArena(1 << 12)!;
    for (const n of [1, 3, 4, 17, 130]) {
      const y = arena.alloc(n);
      const d = arena.alloc(n);
      for (let i = 0; i < n; i++) {
        y[i] = Math.sin(i + 1) / 2 + 0.5;
        d[i] = i % 3 === 0 ? 1 : 0;
      }
      const dZ = arena.alloc(n);
      const expected = new Float32Array(n);
      arena.kernels.scaledDifference(dZ, y, d, n, 1 / 7);
      typescriptKernels.scaledDifference(expected, y, d, n, 1 / 7);
      for (let i = 0; i < n; i++) expect(dZ[i]).toBeCloseTo(expected[i]!, 7);
    }
  });

  it('take a gradient-descent step as TypeScript does, with and without weight decay', () => {
    const arena = createWasmArena(1 << 12)!;
    for (const [n, decay] of [
      [1, 0],
      [7, 0.01],
      [130, 0],
      [130, 0.5],
    ] as const) {
      const p = arena.alloc(n);
      const g = arena.alloc(n);
      for (let i = 0; i < n; i++) {
        p[i] = Math.cos(i) * 2;
        g[i] = Math.sin(3 * i);
      }
      const expected = p.slice();
      typescriptKernels.sgd(expected, g.slice(), n, 0.05, decay);
      arena.kernels.sgd(p, g, n, 0.05, decay);
      for (let i = 0; i < n; i++) expect(p[i]).toBeCloseTo(expected[i]!, 6);
    }
  });

  it('gather rows in a shuffled order, exactly', () => {
    const arena = createWasmArena(1 << 12)!;
    for (const width of [1, 3, 10, 17]) {
      const rows = 9;
      const src = arena.alloc(rows * width);
      for (let i = 0; i < src.length; i++) src[i] = i * 0.5;
      const order = arena.allocIndices(rows);
      order.set([4, 8, 0, 3, 3, 7, 1, 2, 6]);
      const dst = arena.alloc(5 * width);
      const expected = new Float32Array(5 * width);
      arena.kernels.gather(dst, src, order, 2, 5, width); // rows 0, 3, 3, 7, 1
      typescriptKernels.gather(expected, src, order, 2, 5, width);
      expect(Array.from(dst)).toEqual(Array.from(expected));
      expect(dst[width]).toBe(src[3 * width]);
    }
  });

  it('leave the other activations, and buffers outside the arena, to TypeScript', () => {
    const arena = createWasmArena(1 << 10)!;
    const y = arena.alloc(4);
    const z = arena.alloc(4);
    expect(arena.kernels.activate('softplus', y, z, 1, 4)).toBe(false);
    expect(arena.kernels.activateBackward('softmax', y, z, z, y, 4)).toBe(false);
    expect(arena.kernels.activate('tanh', new Float32Array(4), z, 1, 4)).toBe(false);
    expect(typescriptKernels.activate('tanh', y, z, 1, 4)).toBe(false);
  });
});
