// fast-check arbitraries for job specs: random JSON, random JS values, and "near-valid" jobs
// whose every field is usually right and sometimes junk, so the checks past parsing are reached.
import fc from 'fast-check';
import { activationNames, divergenceNames } from '../../src/engine/index.js';
import { generatorNames } from '../../src/spec/index.js';

/** Keys that reach fields, prototypes and the form picker, plus random ones. */
const key = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'builtin', 'generator'),
);

/** Any JS value a caller could hand over, not only what JSON can carry. */
export const anyValue = fc.anything({
  key,
  maxDepth: 4,
  withBoxedValues: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withBigInt: true,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
});

/** What JSON.parse can give, with top-level keys that look like a job's. */
export const jsonJob = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(fc.constantFrom('network', 'dataset', 'training', '__proto__'), fc.jsonValue(), {
    maxKeys: 4,
  }),
);

const junk = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 1.5, 1e9, '', '__proto__', null),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Usually `valid`, sometimes junk. */
const mostly = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> =>
  fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: junk });

const layer = fc.record(
  {
    units: mostly(fc.integer({ min: 1, max: 8 })),
    activation: mostly(fc.constantFrom(...activationNames)),
    groups: mostly(fc.integer({ min: 1, max: 4 })),
    alpha: mostly(fc.double({ min: 0, max: 1, noNaN: true })),
  },
  { requiredKeys: ['units', 'activation'] },
);

const network = fc.record({
  inputSize: mostly(fc.integer({ min: 1, max: 5 })),
  layers: mostly(fc.array(layer, { minLength: 1, maxLength: 3 })),
  divergence: mostly(fc.constantFrom(...divergenceNames)),
});

// Small, possibly ragged rows of small numbers (targets in [0, 1] half the time).
const cell = fc.oneof(fc.integer({ min: -2, max: 2 }), fc.double({ min: 0, max: 1, noNaN: true }));
const rows = fc.array(fc.array(cell, { maxLength: 4 }), { maxLength: 6 });
const label = fc.oneof(fc.nat(4), fc.constantFrom('a', 'b', 'c'));

const dataset = fc.oneof(
  fc.record({ inputs: mostly(rows), targets: mostly(rows) }),
  fc.record({ inputs: mostly(rows), labels: mostly(fc.array(label, { maxLength: 6 })) }),
  fc.record(
    {
      builtin: mostly(fc.constantFrom('iris', 'digits')),
      subset: mostly(fc.constantFrom('all', 'train', 'test')),
    },
    { requiredKeys: ['builtin'] },
  ),
  fc.record(
    {
      generator: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...generatorNames) },
        // Names Object.prototype answers to: a lookup must not find its members.
        { weight: 1, arbitrary: fc.constantFrom('toString', '__proto__', 'constructor', 'moons') },
        { weight: 1, arbitrary: junk },
      ),
      samples: mostly(fc.integer({ min: 1, max: 40 })),
      noise: mostly(fc.double({ min: 0, max: 1, noNaN: true })),
      classes: mostly(fc.integer({ min: 2, max: 5 })),
      turns: mostly(fc.double({ min: 0.1, max: 3, noNaN: true })),
      factor: mostly(fc.double({ min: 0.1, max: 0.9, noNaN: true })),
      seed: mostly(fc.nat()),
    },
    { requiredKeys: ['generator'] },
  ),
  fc.record(
    { csv: mostly(fc.constant('data.csv')), label: mostly(fc.constant('y')) },
    { requiredKeys: ['csv'] },
  ),
);

const training = fc.record(
  {
    epochs: mostly(fc.integer({ min: 1, max: 10 })),
    batchSize: mostly(fc.oneof(fc.constant('full'), fc.integer({ min: 1, max: 8 }))),
    optimizer: mostly(fc.constantFrom('sgd', 'momentum', 'nesterov', 'adam')),
    validationSplit: mostly(fc.double({ min: 0, max: 0.9, noNaN: true })),
    seed: mostly(fc.nat()),
  },
  { requiredKeys: [] },
);

/** A job that is right more often than not, so runs reach loading and the network-vs-data checks. */
export const nearValidJob = fc.record(
  { network, dataset, training },
  { requiredKeys: ['network', 'dataset'] },
);

interface Source {
  dataset: object;
  features: number;
  outputs: number;
}

const unit = fc.double({ min: 0, max: 1, noNaN: true });
const matrix = (rows: number, width: number) =>
  fc.array(fc.array(unit, { minLength: width, maxLength: width }), {
    minLength: rows,
    maxLength: rows,
  });

/** A dataset of every form but CSV, with the widths a network must have to fit it. */
const source: fc.Arbitrary<Source> = fc.oneof(
  fc
    .record({
      samples: fc.integer({ min: 1, max: 20 }),
      noise: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map((p) => ({ dataset: { generator: 'xor', ...p }, features: 2, outputs: 1 })),
  fc
    .record({ samples: fc.integer({ min: 5, max: 30 }), classes: fc.integer({ min: 2, max: 5 }) })
    .map((p) => ({ dataset: { generator: 'spirals', ...p }, features: 2, outputs: p.classes })),
  fc
    .integer({ min: 2, max: 20 })
    .map((samples) => ({ dataset: { generator: 'circles', samples }, features: 2, outputs: 2 })),
  fc
    .integer({ min: 1, max: 20 })
    .map((samples) => ({ dataset: { generator: 'sine', samples }, features: 1, outputs: 1 })),
  fc.constant({ dataset: { builtin: 'iris', subset: 'test' }, features: 4, outputs: 3 }),
  fc
    .tuple(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
    )
    .chain(([rows, features, outputs]) =>
      fc
        .record({ inputs: matrix(rows, features), targets: matrix(rows, outputs) })
        .map((dataset) => ({ dataset, features, outputs })),
    ),
  fc
    .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }))
    .chain(([rows, features]) =>
      fc
        .record({
          inputs: matrix(rows, features),
          labels: fc.array(fc.nat(3), { minLength: rows, maxLength: rows }),
        })
        .map((dataset) => ({
          dataset,
          features,
          outputs: Math.max(...dataset.labels) + 1,
        })),
    ),
);

const hidden = fc.oneof(
  fc.record({
    units: fc.integer({ min: 1, max: 4 }),
    activation: fc.constantFrom('identity', 'sigmoid', 'tanh', 'relu', 'softplus'),
  }),
  fc.record({
    units: fc.integer({ min: 1, max: 4 }),
    activation: fc.constant('leaky_relu'),
    alpha: unit,
  }),
  fc
    .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))
    .map(([outputs, groups]) => ({ units: outputs * groups, activation: 'maxout', groups })),
);

const outputKinds = {
  l2: { activation: 'identity', divergence: 'l2' },
  maxout: { activation: 'maxout', divergence: 'l2' },
  cross_entropy: { activation: 'softmax', divergence: 'cross_entropy' },
  binary_cross_entropy: { activation: 'sigmoid', divergence: 'binary_cross_entropy' },
} as const;

/** Off by one now and then: the width checks must catch it, and nothing else may break. */
const slip = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constantFrom(-1, 1) },
);

/** A job whose network usually fits its data, so runs get all the way through prepareJob. */
export const fittingJob = fc
  .record({
    source,
    hidden: fc.array(hidden, { maxLength: 2 }),
    output: fc.constantFrom(...(Object.keys(outputKinds) as (keyof typeof outputKinds)[])),
    inputSlip: slip,
    unitSlip: slip,
    training: fc.record(
      {
        validationSplit: fc.constantFrom(0, 0.2, 0.5),
        batchSize: fc.oneof(fc.constant('full'), fc.integer({ min: 1, max: 8 })),
        optimizer: fc.constantFrom('sgd', 'adam'),
        seed: fc.nat(),
      },
      { requiredKeys: [] },
    ),
  })
  .map(({ source, hidden, output, inputSlip, unitSlip, training }) => {
    const { activation, divergence } = outputKinds[output];
    const width = Math.max(1, source.outputs + unitSlip);
    const last =
      activation === 'maxout'
        ? { units: 2 * width, activation, groups: 2 }
        : { units: width, activation };
    return {
      network: {
        inputSize: Math.max(1, source.features + inputSlip),
        layers: [...hidden, last],
        divergence,
      },
      dataset: source.dataset,
      training,
    };
  });
