// Relaxed SIMD gives the engine's kernels a fused multiply-add (15–20% faster training here,
// BENCHMARKS.md). Node 22+ validates it by default; Node 20 and 21 only behind a V8 flag, which
// every process that trains or predicts sets at start, before the engine compiles its kernels
// (the engine then detects and picks them). WASM_RELAXED_SIMD=0 leaves the flag off there.
import { setFlagsFromString } from 'node:v8';

/** Turns relaxed SIMD on where Node has it behind a flag; true if it asked for it. */
export function enableRelaxedSimd(wanted: boolean): boolean {
  const major = Number(process.versions.node.split('.')[0]);
  if (!wanted || major >= 22) return false;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  return true;
}
