import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinClassNames, builtinNames, loadBuiltin } from '../../src/data/builtin.js';
import type { Dataset } from '../../src/data/dataset.js';
import { ValidationError } from '../../src/errors.js';

function classCounts(d: Dataset): number[] {
  const counts = new Array<number>(d.outputs).fill(0);
  for (const label of d.labels!) counts[label]!++;
  return counts;
}

function readSplit(name: string): { train: number[]; test: number[] } {
  const url = new URL(`../../datasets/${name}.split.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8'));
}

describe('loadBuiltin', () => {
  it('names the built-in sets', () => {
    expect(builtinNames).toEqual(['iris', 'digits']);
    expect(builtinClassNames.iris).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(builtinClassNames.digits).toHaveLength(10);
  });

  it('loads iris with the values of its first CSV row', () => {
    const iris = loadBuiltin('iris');
    expect(iris).toMatchObject({ rows: 150, features: 4, outputs: 3, classes: [0, 1, 2] });
    expect(iris.featureNames).toEqual([
      'sepal_length_cm',
      'sepal_width_cm',
      'petal_length_cm',
      'petal_width_cm',
    ]);
    expect(Array.from(iris.inputs.subarray(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
    expect(iris.labels![0]).toBe(0);
    expect(Array.from(iris.targets.subarray(0, 3))).toEqual([1, 0, 0]);
    expect(classCounts(iris)).toEqual([50, 50, 50]);
  });

  it('loads digits', () => {
    const digits = loadBuiltin('digits');
    expect(digits).toMatchObject({ rows: 1797, features: 64, outputs: 10 });
    expect(digits.classes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(classCounts(digits)).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    expect(Math.max(...digits.inputs)).toBe(16);
  });

  it('splits iris 112/38 and digits 1347/450: disjoint, covering, rows as in the CSV', () => {
    for (const [name, train, test] of [
      ['iris', 112, 38],
      ['digits', 1347, 450],
    ] as const) {
      const all = loadBuiltin(name);
      const split = readSplit(name);
      const trainSet = loadBuiltin(name, 'train');
      const testSet = loadBuiltin(name, 'test');
      expect([trainSet.rows, testSet.rows]).toEqual([train, test]);
      const seen = new Set([...split.train, ...split.test]);
      expect(seen.size).toBe(all.rows);
      expect(trainSet.classes).toEqual(all.classes);
      const last = split.test.at(-1)!;
      const row = (d: Dataset, r: number) =>
        Array.from(d.inputs.subarray(r * d.features, (r + 1) * d.features));
      expect(row(testSet, test - 1)).toEqual(row(all, last));
      expect(testSet.labels![test - 1]).toBe(all.labels![last]);
      const summed = classCounts(trainSet).map((n, k) => n + classCounts(testSet)[k]!);
      expect(summed).toEqual(classCounts(all));
    }
  });

  it('iris test split is stratified: 12 or 13 per class', () => {
    expect(classCounts(loadBuiltin('iris', 'test')).sort()).toEqual([12, 13, 13]);
  });

  it('returns a fresh copy each call', () => {
    const first = loadBuiltin('iris');
    first.inputs[0] = 99;
    expect(loadBuiltin('iris').inputs[0]).toBe(Math.fround(5.1));
  });

  it('rejects unknown names and subsets', () => {
    expect(() => loadBuiltin('mnist' as 'iris')).toThrow(ValidationError);
    expect(() => loadBuiltin('iris', 'validation' as 'all')).toThrow(ValidationError);
  });
});
