// The engine against the independent autograd fixtures: outputs, Err, dErr/dz, dErr/dW, dErr/db.
import { describe, expect, it } from 'vitest';
import {
  type Arena,
  backward,
  batchError,
  bestKernel,
  createNetwork,
  createWasmArena,
  createWorkspace,
  forward,
  fusablePair,
  heapArena,
  parametersIn,
  zeroGradients,
} from '../../src/engine/index.js';
import { expectClose32, type GradientCase, loadGradientCases } from '../helpers/fixtures.js';

const cases = loadGradientCases();

// Every buffer in the arena, so the wasm kernels (not their fallback) run when it is a wasm one.
function run(c: GradientCase, fuseOutput: boolean, arena: Arena = heapArena) {
  const T = c.inputs.length;
  const params = parametersIn(arena, {
    W: c.weights.map((w) => Float32Array.from(w.W.flat())),
    b: c.weights.map((w) => Float32Array.from(w.b)),
  });
  const network = createNetwork(c.network, params, { fuseOutput, kernels: arena.kernels });
  const ws = createWorkspace(network, T, arena);
  const x = arena.alloc(c.inputs.flat().length);
  x.set(c.inputs.flat());
  const d = arena.alloc(c.targets.flat().length);
  d.set(c.targets.flat());
  zeroGradients(ws);
  const y = forward(network, ws, x, T);
  const err = batchError(network, ws, d, T) / T;
  backward(network, ws, x, d, T, 1 / T);
  return { network, ws, y, err, T };
}

describe('gradient fixtures', () => {
  it('finds all ten cases', () => {
    expect(cases.length).toBe(10);
  });

  for (const c of cases) {
    const last = c.network.layers[c.network.layers.length - 1]!;
    const paths = fusablePair(last.activation, c.network.divergence) ? [true, false] : [false];
    for (const [fused, kernel] of paths.flatMap((f) => [
      [f, 'typescript'] as const,
      [f, 'wasm'] as const,
    ])) {
      it(`${c.name} (${fused ? 'fused y − d' : 'general'} output path, ${kernel} kernels)`, () => {
        const arena = kernel === 'typescript' ? heapArena : createWasmArena(1 << 14)!;
        const { network, ws, y, err, T } = run(c, fused, arena);
        expect(network.kernels.name).toBe(kernel === 'typescript' ? 'typescript' : bestKernel());
        expect(network.fusedOutput).toBe(fused);
        const nOut = network.layers[network.layers.length - 1]!.nOut;
        expectClose32(y.subarray(0, T * nOut), c.outputs.flat(), 'outputs');
        expectClose32([err], [c.err], 'err');
        c.gradients.forEach((g, k) => {
          expectClose32(ws.z[k]!.subarray(0, T * g.b.length), c.z[k]!.flat(), `z[${k}]`);
          expectClose32(ws.dZ[k]!.subarray(0, T * g.b.length), c.gradZ[k]!.flat(), `gradZ[${k}]`);
          expectClose32(ws.dW[k]!, g.W.flat(), `gradients[${k}].W`);
          expectClose32(ws.db[k]!, g.b, `gradients[${k}].b`);
        });
      });
    }
  }

  it('the shortcut y − d is wrong for softmax + l2, so it is never taken there', () => {
    const c = cases.find((x) => x.name.startsWith('s06'))!;
    const { network } = run(c, true);
    expect(network.fusedOutput).toBe(false);
  });
});
