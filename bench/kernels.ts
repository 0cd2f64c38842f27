// GFLOP/s of the three matrix kernels at the shapes the benchmark workloads (W1–W4) call them
// with: the WebAssembly SIMD kernels against the TypeScript reference of matrix.ts, each the
// median of several timed repeats after a warm-up. Run: node --import tsx bench/kernels.ts
// (add --experimental-wasm-relaxed-simd before --import to measure the fused multiply-add build;
// pass --wasm-only to skip the slow TypeScript kernels).
import { type Arena, createWasmArena, heapArena } from '../src/engine/kernels.js';
import { createRandom } from '../src/engine/random.js';

// [workload, batch, nIn, nOut]: one row per dense layer
const shapes: [string, number, number, number][] = [
  ['W1', 128, 784, 128],
  ['W1', 128, 128, 10],
  ['W2', 32, 64, 32],
  ['W2', 32, 32, 10],
  ['W3', 256, 784, 512],
  ['W3', 256, 512, 512],
  ['W3', 256, 512, 10],
  ['W4', 512, 64, 32],
  ['W4', 512, 32, 10],
];

const kernelNames = ['forward', 'backwardInput', 'backwardParams'] as const;
type KernelName = (typeof kernelNames)[number];
const repeats = 9;
// each timed repeat runs the kernel for about this long
const repeatMs = 30;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The median GFLOP/s of `kernel` on `arena`'s buffers at one shape. */
function measure(arena: Arena, kernel: KernelName, batch: number, nIn: number, nOut: number) {
  const random = createRandom(batch + nIn + nOut);
  const filled = (n: number) => {
    const view = arena.alloc(n);
    for (let i = 0; i < n; i++) view[i] = random.normal();
    return view;
  };
  const y = filled(batch * nIn);
  const W = filled(nOut * nIn);
  const b = filled(nOut);
  const dZ = filled(batch * nOut);
  const z = arena.alloc(batch * nOut);
  const dY = arena.alloc(batch * nIn);
  const dW = arena.alloc(nOut * nIn);
  const db = arena.alloc(nOut);
  const k = arena.kernels;
  const run: Record<KernelName, () => void> = {
    forward: () => k.affineForward(z, y, W, b, batch, nIn, nOut),
    backwardInput: () => k.affineBackwardInput(dY, dZ, W, batch, nIn, nOut),
    // dW grows by a bounded amount per call, so many calls stay finite
    backwardParams: () => k.affineBackwardParams(dW, db, dZ, y, batch, nIn, nOut),
  };
  const call = run[kernel];
  // warm up, and find how many calls fill one repeat
  let calls = 1;
  for (;;) {
    const start = performance.now();
    for (let c = 0; c < calls; c++) call();
    if (performance.now() - start > repeatMs / 4) break;
    calls *= 2;
  }
  calls *= 4;
  const flops = 2 * batch * nIn * nOut * calls;
  const rates: number[] = [];
  for (let t = 0; t < repeats; t++) {
    const start = performance.now();
    for (let c = 0; c < calls; c++) call();
    rates.push(flops / ((performance.now() - start) * 1e6));
  }
  return median(rates);
}

const wasmOnly = process.argv.includes('--wasm-only');
const floats = (batch: number, nIn: number, nOut: number) =>
  2 * batch * nIn + nOut * nIn * 2 + 2 * batch * nOut + 2 * nOut + 64;
const rows: string[][] = [];
let wasmName = '';
for (const [workload, batch, nIn, nOut] of shapes) {
  for (const kernel of kernelNames) {
    const arena = createWasmArena(floats(batch, nIn, nOut));
    if (!arena) throw new Error('this runtime has no WebAssembly SIMD');
    wasmName = arena.kernels.name;
    const wasm = measure(arena, kernel, batch, nIn, nOut);
    const ts = wasmOnly ? Number.NaN : measure(heapArena, kernel, batch, nIn, nOut);
    rows.push([
      workload,
      kernel,
      `${batch}×${nIn}×${nOut}`,
      wasm.toFixed(1),
      wasmOnly ? '-' : ts.toFixed(1),
    ]);
  }
}

const header = ['workload', 'kernel', 'batch×nIn×nOut', `${wasmName} GFLOP/s`, 'typescript'];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
const line = (cells: string[]) =>
  cells.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
