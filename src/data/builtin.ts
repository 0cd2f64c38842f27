// The data sets shipped in `datasets/` (iris, digits) with their fixed train/test splits.
// Parsed once per process and cached; each call returns a fresh copy the caller may modify.
// Not a downloader: only files in the package are read.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { parseCsvFile } from './csv.js';
import { type Dataset, subsetRows } from './dataset.js';

export const builtinNames = ['iris', 'digits'] as const;
export type BuiltinName = (typeof builtinNames)[number];
export type BuiltinSubset = 'all' | 'train' | 'test';

/** Human names for the numeric classes: `classes[i]` is called `builtinClassNames[name][i]`. */
export const builtinClassNames = {
  iris: ['setosa', 'versicolor', 'virginica'],
  digits: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
} as const satisfies Record<BuiltinName, readonly string[]>;

interface Split {
  train: number[];
  test: number[];
}

const parsed = new Map<BuiltinName, Dataset>();
const splits = new Map<BuiltinName, Split>();

export function loadBuiltin(name: BuiltinName, subset: BuiltinSubset = 'all'): Dataset {
  if (!builtinNames.includes(name)) {
    const known = builtinNames.join(', ');
    throw new ValidationError([
      { path: 'name', message: `no built-in data set ${name}; choose one of ${known}` },
    ]);
  }
  if (subset !== 'all' && subset !== 'train' && subset !== 'test') {
    throw new ValidationError([{ path: 'subset', message: 'must be one of all, train, test' }]);
  }
  const all = cached(parsed, name, () =>
    parseCsvFile(join(datasetsDir(), `${name}.csv`), { label: 'label' }),
  );
  if (subset === 'all')
    return subsetRows(
      all,
      Array.from({ length: all.rows }, (_, i) => i),
    );
  const split = cached(splits, name, () => readSplit(name));
  return subsetRows(all, split[subset]);
}

function readSplit(name: BuiltinName): Split {
  const path = join(datasetsDir(), `${name}.split.json`);
  const json = JSON.parse(readFileSync(path, 'utf8')) as Partial<Split>;
  if (!Array.isArray(json.train) || !Array.isArray(json.test)) {
    throw new Error(`${path} needs train and test arrays of row indices`);
  }
  return { train: json.train, test: json.test };
}

function cached<T>(cache: Map<BuiltinName, T>, name: BuiltinName, load: () => T): T {
  let value = cache.get(name);
  if (value === undefined) {
    value = load();
    cache.set(name, value);
  }
  return value;
}

function datasetsDir(): string {
  return join(packageRoot(), 'datasets');
}
