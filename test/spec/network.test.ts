import { describe, expect, it } from 'vitest';
import { activationNames } from '../../src/engine/index.js';
import { networkSchema, outputSizeOfSpec, parseOrThrow } from '../../src/spec/index.js';
import { exampleJob } from '../helpers/examples.js';
import { issuesOf, onlyIssue } from '../helpers/issues.js';

const parse = (value: unknown) => parseOrThrow(networkSchema, value, 'network');

// examples/iris.json's network, the one the README shows
const irisNet = exampleJob('iris').network;

/** The iris network with its last layer (index 1) and divergence replaced. */
const withOutput = (last: object, divergence = 'l2') => ({
  ...irisNet,
  layers: [irisNet.layers[0], last],
  divergence,
});

/** The iris network with one field of its hidden layer (index 0) replaced. */
const withHidden = (layer: object) => ({ ...irisNet, layers: [layer, irisNet.layers[1]] });

describe('networkSchema accepts', () => {
  it('the README network unchanged', () => {
    expect(parse(irisNet)).toEqual(irisNet);
  });

  it('every activation in a hidden layer', () => {
    for (const activation of activationNames) {
      const layer = {
        units: 4,
        activation,
        ...(activation === 'maxout' ? { groups: 2 } : {}),
        ...(activation === 'leaky_relu' ? { alpha: 0.2 } : {}),
      };
      expect(parse(withHidden(layer)).layers[0]).toEqual(layer);
    }
  });

  it('binary_cross_entropy after sigmoid or softmax, l2 after anything', () => {
    expect(() =>
      parse(withOutput({ units: 1, activation: 'sigmoid' }, 'binary_cross_entropy')),
    ).not.toThrow();
    expect(() =>
      parse(withOutput({ units: 3, activation: 'softmax' }, 'binary_cross_entropy')),
    ).not.toThrow();
    expect(() => parse(withOutput({ units: 3, activation: 'relu' }, 'l2'))).not.toThrow();
  });

  it('the bounds: 1 input, 1 unit, alpha 0 and 1', () => {
    const net = {
      inputSize: 1,
      layers: [
        { units: 1, activation: 'leaky_relu', alpha: 0 },
        { units: 1, activation: 'leaky_relu', alpha: 1 },
      ],
      divergence: 'l2',
    };
    expect(parse(net)).toEqual(net);
  });
});

describe('outputSizeOfSpec', () => {
  it('is the last layer units, or units / groups for maxout', () => {
    expect(outputSizeOfSpec(parse(irisNet))).toBe(3);
    expect(
      outputSizeOfSpec(parse(withOutput({ units: 12, activation: 'maxout', groups: 4 }))),
    ).toBe(3);
  });
});

describe('networkSchema rejects wrong types and ranges', () => {
  it.each([
    [
      'inputSize',
      { ...irisNet, inputSize: '4' },
      'network.inputSize',
      'must be a number (got "4")',
    ],
    [
      'inputSize',
      { ...irisNet, inputSize: 4.5 },
      'network.inputSize',
      'must be a whole number of features',
    ],
    ['inputSize', { ...irisNet, inputSize: 0 }, 'network.inputSize', 'must be at least 1'],
    [
      'inputSize',
      { ...irisNet, inputSize: 1_000_001 },
      'network.inputSize',
      'must be at most 1000000',
    ],
    [
      'layers',
      { ...irisNet, layers: { units: 3 } },
      'network.layers',
      'must be a list of layers ({units, activation})',
    ],
    [
      'layers',
      { ...irisNet, layers: [] },
      'network.layers',
      'needs at least one layer (the output layer)',
    ],
    ['layer', { ...irisNet, layers: [3] }, 'network.layers.0', 'must be an object (got 3)'],
    [
      'units',
      withHidden({ units: 'ten', activation: 'relu' }),
      'network.layers.0.units',
      'must be a number (got "ten")',
    ],
    [
      'units',
      withHidden({ units: 2.5, activation: 'relu' }),
      'network.layers.0.units',
      'must be a whole number of units',
    ],
    [
      'units',
      withHidden({ units: 0, activation: 'relu' }),
      'network.layers.0.units',
      'must be at least 1',
    ],
    [
      'units',
      withHidden({ units: 100_001, activation: 'relu' }),
      'network.layers.0.units',
      'must be at most 100000',
    ],
    [
      'units',
      withHidden({ activation: 'relu' }),
      'network.layers.0.units',
      'is required: give a number',
    ],
    [
      'groups',
      withHidden({ units: 4, activation: 'maxout', groups: 0 }),
      'network.layers.0.groups',
      'must be at least 1',
    ],
    [
      'groups',
      withHidden({ units: 4, activation: 'maxout', groups: 1.5 }),
      'network.layers.0.groups',
      'must be a whole number',
    ],
    [
      'alpha',
      withHidden({ units: 4, activation: 'leaky_relu', alpha: 1.5 }),
      'network.layers.0.alpha',
      'must be between 0 and 1',
    ],
    [
      'alpha',
      withHidden({ units: 4, activation: 'leaky_relu', alpha: -0.1 }),
      'network.layers.0.alpha',
      'must be between 0 and 1',
    ],
    [
      'alpha',
      withHidden({ units: 4, activation: 'leaky_relu', alpha: '0.1' }),
      'network.layers.0.alpha',
      'must be a number (got "0.1")',
    ],
  ])('%s: %j', (_field, value, path, message) => {
    expect(onlyIssue(() => parse(value))).toEqual({ path, message });
  });

  it('an unknown activation or divergence, listing the choices', () => {
    expect(onlyIssue(() => parse(withHidden({ units: 4, activation: 'gelu' })))).toEqual({
      path: 'network.layers.0.activation',
      message: `must be one of ${activationNames.join(', ')}`,
    });
    expect(onlyIssue(() => parse({ ...irisNet, divergence: 'mse' }))).toEqual({
      path: 'network.divergence',
      message: 'must be one of l2, cross_entropy, binary_cross_entropy',
    });
  });

  it('more than 64 layers', () => {
    const layers = Array.from({ length: 65 }, () => ({ units: 2, activation: 'relu' }));
    expect(onlyIssue(() => parse({ ...irisNet, layers, divergence: 'l2' }))).toEqual({
      path: 'network.layers',
      message: 'has more than 64 layers: use at most 64',
    });
  });

  it('each missing field, by name', () => {
    expect(issuesOf(() => parse({}))).toEqual([
      { path: 'network.inputSize', message: 'is required: give a number' },
      { path: 'network.layers', message: 'must be a list of layers ({units, activation})' },
      {
        path: 'network.divergence',
        message: 'must be one of l2, cross_entropy, binary_cross_entropy',
      },
    ]);
  });

  it('non-finite numbers: NaN and Infinity as values, "NaN" as a string, 1e999 from JSON', () => {
    const finite = 'must be a finite number';
    expect(onlyIssue(() => parse({ ...irisNet, inputSize: Number.NaN }))).toEqual({
      path: 'network.inputSize',
      message: `${finite} (got NaN)`,
    });
    expect(onlyIssue(() => parse({ ...irisNet, inputSize: Number.POSITIVE_INFINITY }))).toEqual({
      path: 'network.inputSize',
      message: `${finite} (got Infinity)`,
    });
    expect(onlyIssue(() => parse({ ...irisNet, inputSize: 'NaN' }))).toEqual({
      path: 'network.inputSize',
      message: 'must be a number (got "NaN")',
    });
    const json = JSON.parse(
      '{"inputSize": 4, "layers": [{"units": 1e999, "activation": "relu"}, {"units": 3, "activation": "softmax", "alpha": -1e999}], "divergence": "cross_entropy"}',
    );
    expect(issuesOf(() => parse(json))).toEqual([
      { path: 'network.layers.0.units', message: `${finite} (got Infinity)` },
      { path: 'network.layers.1.alpha', message: `${finite} (got -Infinity)` },
    ]);
  });

  it('unknown fields on the network and on a layer, naming the key', () => {
    const value = { ...withHidden({ units: 4, activation: 'relu', dropout: 0.5 }), bias: true };
    expect(issuesOf(() => parse(value))).toEqual([
      {
        path: 'network.layers.0.dropout',
        message: 'is not a known field: remove it or check its spelling',
      },
      { path: 'network.bias', message: 'is not a known field: remove it or check its spelling' },
    ]);
  });
});

describe('networkSchema rejects combinations the engine cannot train', () => {
  it('maxout without groups', () => {
    expect(onlyIssue(() => parse(withHidden({ units: 4, activation: 'maxout' })))).toEqual({
      path: 'network.layers.0.groups',
      message: 'maxout needs groups: how many units each output takes the max over',
    });
  });

  it('maxout units not divisible by groups, naming the nearest units that are', () => {
    expect(
      onlyIssue(() => parse(withHidden({ units: 7, activation: 'maxout', groups: 2 }))),
    ).toEqual({
      path: 'network.layers.0.units',
      message: 'maxout units (7) must be divisible by groups (2): use 6 or 8 units',
    });
    expect(
      onlyIssue(() => parse(withHidden({ units: 14, activation: 'maxout', groups: 4 }))).message,
    ).toContain('use 12 or 16 units');
  });

  it('maxout with fewer units than groups: only one fix goes up', () => {
    expect(
      onlyIssue(() => parse(withHidden({ units: 2, activation: 'maxout', groups: 3 }))),
    ).toEqual({
      path: 'network.layers.0.units',
      message: 'maxout units (2) must be divisible by groups (3): use 3 units',
    });
  });

  it('groups on a layer that is not maxout', () => {
    expect(onlyIssue(() => parse(withHidden({ units: 4, activation: 'relu', groups: 2 })))).toEqual(
      {
        path: 'network.layers.0.groups',
        message: 'groups applies only to maxout, not relu: remove it',
      },
    );
  });

  it('alpha on a layer that is not leaky_relu', () => {
    expect(
      onlyIssue(() => parse(withHidden({ units: 4, activation: 'tanh', alpha: 0.1 }))),
    ).toEqual({
      path: 'network.layers.0.alpha',
      message: 'alpha applies only to leaky_relu, not tanh: remove it',
    });
  });

  it('softmax over one unit', () => {
    const net = withOutput({ units: 1, activation: 'softmax' }, 'cross_entropy');
    expect(onlyIssue(() => parse(net))).toEqual({
      path: 'network.layers.1.units',
      message:
        'softmax over one unit is always 1: use at least 2 units, or sigmoid for a single output',
    });
  });

  it('cross_entropy after relu, naming the layer to change', () => {
    const net = withOutput({ units: 3, activation: 'relu' }, 'cross_entropy');
    expect(onlyIssue(() => parse(net))).toEqual({
      path: 'network.divergence',
      message:
        'cross_entropy needs probabilities that sum to 1, but the last layer is relu: make layers.1.activation softmax, or use l2',
    });
  });

  it('cross_entropy after sigmoid (probabilities that need not sum to 1)', () => {
    const net = withOutput({ units: 3, activation: 'sigmoid' }, 'cross_entropy');
    expect(onlyIssue(() => parse(net)).message).toContain('make layers.1.activation softmax');
  });

  it('binary_cross_entropy after identity, naming the layer to change', () => {
    const net = {
      inputSize: 2,
      layers: [{ units: 1, activation: 'identity' }],
      divergence: 'binary_cross_entropy',
    };
    expect(onlyIssue(() => parse(net))).toEqual({
      path: 'network.divergence',
      message:
        'binary_cross_entropy needs outputs in (0, 1), but the last layer is identity: make layers.0.activation sigmoid, or use l2',
    });
  });

  it('every problem at once, each at its own path', () => {
    const net = {
      inputSize: 2,
      layers: [
        { units: 5, activation: 'maxout', groups: 2 },
        { units: 4, activation: 'relu', alpha: 0.1, groups: 2 },
        { units: 1, activation: 'softmax' },
      ],
      divergence: 'binary_cross_entropy',
    };
    expect(issuesOf(() => parse(net)).map((i) => i.path)).toEqual([
      'network.layers.0.units',
      'network.layers.1.groups',
      'network.layers.1.alpha',
      'network.layers.2.units',
    ]);
  });
});
