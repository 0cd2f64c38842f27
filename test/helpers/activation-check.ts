// The wasm activations (sigmoid, tanh, softmax, relu; and the backward steps of the scalar ones)
// against the TypeScript ones, on odd widths and on values from tiny to past where exp
// overflows: the largest error, relative to max(|y|, 1e-6), per activation and direction.
// Shared by the plain and the relaxed-SIMD tests.
import { type Arena, activationFor, createRandom } from '../../src/engine/index.js';

const special = [0, -0, 1e-8, -1e-8, 1e-3, 0.3, -0.3, 0.624, 0.626, -0.626, 1, -1, 5, -5, 9, -9];
const extreme = [20, -20, 50, -50, 88, -88, 89, -89, 100, -100, 1e4, -1e4, 3e38, -3e38];

export function worstActivationErrors(arena: Arena): Record<string, number> {
  const worst: Record<string, number> = {};
  for (const name of ['sigmoid', 'tanh', 'softmax', 'relu'] as const) {
    const activation = activationFor({ units: 1, activation: name });
    let w = 0;
    let wb = 0;
    for (const [batch, width] of [
      [1, 1],
      [1, 3],
      [3, 4],
      [5, 10],
      [7, 17],
      [64, 129],
    ] as const) {
      const n = batch * width;
      const random = createRandom(n);
      const z = arena.alloc(n);
      for (let i = 0; i < n; i++) {
        const pick = random.next();
        z[i] =
          pick < 0.2
            ? special[i % special.length]!
            : pick < 0.3
              ? extreme[i % extreme.length]!
              : random.normal() * 4;
      }
      const y = arena.alloc(n);
      const expected = new Float32Array(n);
      if (!arena.kernels.activate(name, y, z, batch, width))
        throw new Error(`${name}: not in wasm`);
      activation.forward(expected, Float32Array.from(z), batch, width, width);
      for (let i = 0; i < n; i++)
        w = Math.max(w, Math.abs(y[i]! - expected[i]!) / Math.max(Math.abs(expected[i]!), 1e-6));
      if (name === 'softmax') continue; // its backward stays in TypeScript
      const dY = arena.alloc(n);
      for (let i = 0; i < n; i++) dY[i] = random.normal();
      const dZ = arena.alloc(n);
      const dZExpected = new Float32Array(n);
      if (!arena.kernels.activateBackward(name, dZ, dY, z, y, n))
        throw new Error(`${name}: backward not in wasm`);
      activation.backward(dZExpected, dY.slice(), z.slice(), y.slice(), batch, width, width);
      for (let i = 0; i < n; i++)
        wb = Math.max(
          wb,
          Math.abs(dZ[i]! - dZExpected[i]!) / Math.max(Math.abs(dZExpected[i]!), 1e-6),
        );
    }
    worst[name] = w;
    if (name !== 'softmax') worst[`${name} backward`] = wb;
  }
  return worst;
}
