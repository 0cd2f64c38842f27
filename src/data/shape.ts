// A dataset's shape without its rows: what a job needs to be checked against, known for stored
// datasets from their metadata, for built-ins from the files, and for generators from their
// parameters alone (the service never generates a million rows just to check a spec).
import type { GeneratorSpec } from '../spec/index.js';
import { type BuiltinName, type BuiltinSubset, loadBuiltin } from './builtin.js';
import type { DataRows } from './dataset.js';
import { generatorDefaults } from './generators.js';

/** What the targets can feed: distributions suit cross_entropy, values in [0, 1] suit BCE. */
export type TargetKind = 'distribution' | 'unit' | 'real';

export interface DataShape {
  rows: number;
  features: number;
  outputs: number;
  classes?: (string | number)[];
  targetKind: TargetKind;
}

export function targetKindOf(data: DataRows): TargetKind {
  // class indices stand for one-hot rows: distributions
  if (!data.targets) return 'distribution';
  const { targets } = data;
  const n = data.outputs;
  let unit = true;
  let distribution = n > 0;
  for (let r = 0; r < data.rows && (unit || distribution); r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = targets[r * n + i]!;
      if (v < 0 || v > 1) unit = false;
      if (v < 0) distribution = false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-4) distribution = false;
  }
  return distribution ? 'distribution' : unit ? 'unit' : 'real';
}

export function shapeOfData(data: DataRows): DataShape {
  return {
    rows: data.rows,
    features: data.features,
    outputs: data.outputs,
    ...(data.classes ? { classes: data.classes } : {}),
    targetKind: targetKindOf(data),
  };
}

export function shapeOfBuiltin(name: BuiltinName, subset: BuiltinSubset = 'all'): DataShape {
  return shapeOfData(loadBuiltin(name, subset));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function shapeOfGenerator(spec: GeneratorSpec): DataShape {
  switch (spec.generator) {
    case 'xor':
      return {
        rows: spec.samples ?? generatorDefaults.xor.samples,
        features: 2,
        outputs: 1,
        targetKind: 'unit',
      };
    case 'spirals': {
      const classes = spec.classes ?? generatorDefaults.spirals.classes;
      const rows = spec.samples ?? generatorDefaults.spirals.samples;
      return {
        rows,
        features: 2,
        outputs: classes,
        classes: range(classes),
        targetKind: 'distribution',
      };
    }
    case 'circles':
      return {
        rows: spec.samples ?? generatorDefaults.circles.samples,
        features: 2,
        outputs: 2,
        classes: [0, 1],
        targetKind: 'distribution',
      };
    case 'sine':
      return {
        rows: spec.samples ?? generatorDefaults.sine.samples,
        features: 1,
        outputs: 1,
        targetKind: 'real',
      };
  }
}
