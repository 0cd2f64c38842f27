import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/dataset.js';
import { rowsOf } from '../../src/data/dataset.js';
import { circles, generators, sine, spirals, xor } from '../../src/data/generators.js';
import { ValidationError } from '../../src/errors.js';

function classCounts(d: Dataset): number[] {
  const counts = new Array<number>(d.outputs).fill(0);
  for (const label of d.labels!) counts[label]!++;
  return counts;
}

function radii(d: Dataset): number[] {
  return rowsOf(d.inputs, d.rows, 2).map(([x, y]) => Math.hypot(x!, y!));
}

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

function paths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues.map((i) => i.path);
  }
  throw new Error('expected a ValidationError');
}

describe('generators', () => {
  it('are keyed by name', () => {
    expect(Object.keys(generators)).toEqual(['xor', 'spirals', 'circles', 'sine']);
  });

  it.each(Object.entries(generators))('%s is deterministic per seed', (_, generate) => {
    const a = generate({ seed: 7, noise: 0.1 });
    const b = generate({ seed: 7, noise: 0.1 });
    const c = generate({ seed: 8, noise: 0.1 });
    expect(a.inputs).toEqual(b.inputs);
    expect(a.targets).toEqual(b.targets);
    expect(a.inputs).not.toEqual(c.inputs);
  });

  it('rejects parameters out of range', () => {
    expect(paths(() => sine({ samples: 0 }))).toEqual(['samples']);
    expect(paths(() => sine({ samples: 1.5 }))).toEqual(['samples']);
    expect(paths(() => sine({ samples: 1_000_001 }))).toEqual(['samples']);
    expect(paths(() => xor({ noise: -0.1, seed: 0.5 }))).toEqual(['noise', 'seed']);
    expect(paths(() => xor({ noise: Number.POSITIVE_INFINITY }))).toEqual(['noise']);
    expect(paths(() => spirals({ classes: 1 }))).toEqual(['classes']);
    expect(paths(() => spirals({ classes: 101 }))).toEqual(['classes']);
    expect(paths(() => spirals({ samples: 2, classes: 3 }))).toEqual(['samples']);
    expect(paths(() => spirals({ turns: 0 }))).toEqual(['turns']);
    expect(paths(() => circles({ factor: 1, noise: -1 }))).toEqual(['noise', 'factor']);
    expect(paths(() => sine({ samples: '10' as unknown as number }))).toEqual(['samples']);
  });
});

describe('xor', () => {
  it('gives exactly the four corners by default', () => {
    const d = xor();
    expect(d).toMatchObject({ rows: 4, features: 2, outputs: 1 });
    expect(d.labels).toBeUndefined();
    expect(rowsOf(d.inputs, 4, 2)).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    expect(Array.from(d.targets)).toEqual([0, 1, 1, 0]);
  });

  it('cycles through the corners with noise on the inputs', () => {
    const d = xor({ samples: 400, noise: 0.1 });
    expect(Array.from(d.targets.subarray(0, 8))).toEqual([0, 1, 1, 0, 0, 1, 1, 0]);
    const rows = rowsOf(d.inputs, 400, 2);
    const offsets = rows.map(([x, y], i) => x! - (i % 4 >= 2 ? 1 : 0) + (y! - (i % 2)));
    expect(Math.abs(mean(offsets))).toBeLessThan(0.05);
    expect(Math.max(...offsets.map(Math.abs))).toBeGreaterThan(0.05);
  });
});

describe('spirals', () => {
  it('has the documented shape and balanced classes', () => {
    const d = spirals();
    expect(d).toMatchObject({ rows: 300, features: 2, outputs: 2, classes: [0, 1] });
    expect(classCounts(d)).toEqual([150, 150]);
    expect(rowsOf(d.targets, 2, 2)).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(classCounts(spirals({ samples: 100, classes: 3 }))).toEqual([34, 33, 33]);
  });

  it('stays within radius 1 without noise, and close to it with noise', () => {
    expect(Math.max(...radii(spirals({ noise: 0 })))).toBeLessThanOrEqual(1 + 1e-6);
    expect(Math.max(...radii(spirals({ noise: 0.1 })))).toBeLessThan(1 + 0.5);
  });

  it('gives each class its own arm, rotated by 2pi/classes', () => {
    const d = rowsOf(spirals({ noise: 0, samples: 4, classes: 2, turns: 1 }).inputs, 4, 2);
    // Class 1's points are class 0's turned by pi.
    expect(d[1]![0]).toBeCloseTo(-d[0]![0]!, 6);
    expect(d[1]![1]).toBeCloseTo(-d[0]![1]!, 6);
  });
});

describe('circles', () => {
  it('puts class 0 on the unit circle and class 1 at radius factor', () => {
    const d = circles({ factor: 0.3, noise: 0.02 });
    expect(d).toMatchObject({ rows: 200, features: 2, outputs: 2, classes: [0, 1] });
    expect(classCounts(d)).toEqual([100, 100]);
    const r = radii(d);
    const outer = r.filter((_, i) => d.labels![i] === 0);
    const inner = r.filter((_, i) => d.labels![i] === 1);
    expect(mean(outer)).toBeCloseTo(1, 1);
    expect(mean(inner)).toBeCloseTo(0.3, 1);
  });

  it('is exact without noise', () => {
    const r = radii(circles({ noise: 0, samples: 10 }));
    expect(r[0]).toBeCloseTo(1, 6);
    expect(r[1]).toBeCloseTo(0.5, 6);
  });
});

describe('sine', () => {
  it('draws x in [-pi, pi] and y = sin(x) + noise', () => {
    const d = sine({ samples: 500 });
    expect(d).toMatchObject({ rows: 500, features: 1, outputs: 1 });
    const xs = Array.from(d.inputs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-Math.PI - 1e-6);
    expect(Math.max(...xs)).toBeLessThanOrEqual(Math.PI + 1e-6);
    expect(Math.min(...xs)).toBeLessThan(-3);
    expect(Math.max(...xs)).toBeGreaterThan(3);
    const residuals = xs.map((x, i) => d.targets[i]! - Math.sin(x));
    expect(Math.abs(mean(residuals))).toBeLessThan(0.01);
    const sd = Math.sqrt(mean(residuals.map((e) => e * e)));
    expect(sd).toBeGreaterThan(0.04);
    expect(sd).toBeLessThan(0.06);
  });

  it('is noiseless with noise 0', () => {
    const d = sine({ samples: 5, noise: 0 });
    for (let i = 0; i < 5; i++) expect(d.targets[i]).toBeCloseTo(Math.sin(d.inputs[i]!), 6);
  });
});
