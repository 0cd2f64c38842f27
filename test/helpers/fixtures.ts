// Loading the gradient fixtures (test/fixtures/gradients, format in test/fixtures/README.md).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NetworkShape } from '../../src/engine/index.js';

export interface GradientCase {
  name: string;
  description: string;
  network: NetworkShape;
  weights: { W: number[][]; b: number[] }[];
  inputs: number[][];
  targets: number[][];
  outputs: number[][];
  err: number;
  gradients: { W: number[][]; b: number[] }[];
  gradZ: number[][][];
  z: number[][][];
}

// A copy of the shared fixtures (see test/fixtures/README.md), so a clone tests on its own.
const fixtureDir = fileURLToPath(new URL('../fixtures/gradients/', import.meta.url));

export function loadGradientCases(): GradientCase[] {
  return readdirSync(fixtureDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(fixtureDir + f, 'utf8')) as GradientCase);
}

/** The README's float32 tolerance: |actual − expected| ≤ 1e-5 · max(1, |expected|). */
export function expectClose32(actual: ArrayLike<number>, expected: number[], what: string) {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  }
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (!(Math.abs(a - e) <= 1e-5 * Math.max(1, Math.abs(e)))) {
      throw new Error(`${what}[${i}]: got ${a}, expected ${e}`);
    }
  }
}
