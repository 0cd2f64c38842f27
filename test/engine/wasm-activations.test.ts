// sigmoid, tanh and softmax in wasm SIMD agree with the TypeScript activations to about one
// float32 rounding, from tiny inputs to ones past exp's range; the others stay in TypeScript.
import { describe, expect, it } from 'vitest';
import { createWasmArena, typescriptKernels } from '../../src/engine/index.js';
import { worstActivationErrors } from '../helpers/activation-check.js';

describe('wasm activations', () => {
  it('match the TypeScript ones within a few float32 roundings', () => {
    const worst = worstActivationErrors(createWasmArena(1 << 16)!);
    for (const name of ['sigmoid', 'tanh', 'softmax']) expect(worst[name]).toBeLessThan(1e-6);
  });

  it('leave the other activations, and buffers outside the arena, to TypeScript', () => {
    const arena = createWasmArena(1 << 10)!;
    const y = arena.alloc(4);
    const z = arena.alloc(4);
    expect(arena.kernels.activate('relu', y, z, 1, 4)).toBe(false);
    expect(arena.kernels.activate('tanh', new Float32Array(4), z, 1, 4)).toBe(false);
    expect(typescriptKernels.activate('tanh', y, z, 1, 4)).toBe(false);
  });
});
