// A job's network made whole against its data's shape (issue 14): the input width, the output
// layer and divergence, and the default hidden layers when no network is given.
import { describe, expect, it } from 'vitest';
import {
  completeNetwork,
  defaultHiddenLayers,
  withDefaultLayers,
} from '../../src/data/network-defaults.js';
import type { DataShape } from '../../src/data/shape.js';
import { parseJob } from '../../src/spec/index.js';

const classes: DataShape = {
  rows: 10,
  features: 7,
  outputs: 3,
  classes: ['a', 'b', 'c'],
  targetKind: 'distribution',
};
const values: DataShape = { rows: 10, features: 4, outputs: 1, targetKind: 'real' };

describe('completeNetwork', () => {
  it('gives no network the default hidden layers and an output layer for classes', () => {
    expect(completeNetwork(undefined, classes)).toEqual({
      inputSize: 7,
      layers: [...defaultHiddenLayers, { units: 3, activation: 'softmax' }],
      divergence: 'cross_entropy',
    });
  });

  it('appends identity and l2 for numbers, after the hidden layers the job gave', () => {
    const hidden = [{ units: 5, activation: 'tanh' as const }];
    expect(completeNetwork({ layers: hidden }, values)).toEqual({
      inputSize: 4,
      layers: [...hidden, { units: 1, activation: 'identity' }],
      divergence: 'l2',
    });
  });

  it('keeps a network that names its divergence, deriving only the input width', () => {
    const layers = [{ units: 3, activation: 'softmax' as const }];
    expect(completeNetwork({ layers, divergence: 'cross_entropy' }, classes)).toEqual({
      inputSize: 7,
      layers,
      divergence: 'cross_entropy',
    });
    // a width the job gave is kept, to be checked against the data (checkShape names it)
    expect(completeNetwork({ inputSize: 9, layers: [] }, values).inputSize).toBe(9);
  });

  it('gives a single class column a sigmoid and binary cross-entropy', () => {
    const one: DataShape = { ...classes, outputs: 1, classes: [1] };
    expect(completeNetwork({ layers: [] }, one)).toEqual({
      inputSize: 7,
      layers: [{ units: 1, activation: 'sigmoid' }],
      divergence: 'binary_cross_entropy',
    });
  });
});

describe('the network a job may give', () => {
  it('may leave out the network, its width, or its output layer', () => {
    const dataset = { builtin: 'iris' };
    expect(parseJob({ dataset }).network).toBeUndefined();
    expect(
      parseJob({ dataset, network: { layers: [{ units: 8, activation: 'relu' }] } }),
    ).toBeTruthy();
  });

  it('refuses a divergence without the output layer it is the loss of', () => {
    expect(() => parseJob({ dataset: { builtin: 'iris' }, network: { divergence: 'l2' } })).toThrow(
      /layers: with a divergence, layers must end with the output layer/,
    );
  });

  it('checks hidden layers as layers, and the output layer only against a divergence', () => {
    expect(() =>
      parseJob({
        dataset: { builtin: 'iris' },
        network: { layers: [{ units: 4, activation: 'maxout' }] },
      }),
    ).toThrow(/maxout needs groups/);
    // a relu last layer is fine when it is hidden (the output layer comes after it)
    expect(
      parseJob({
        dataset: { builtin: 'iris' },
        network: { layers: [{ units: 4, activation: 'relu' }] },
      }).network?.layers,
    ).toHaveLength(1);
  });
});

describe('withDefaultLayers (a sweep varying the layers of a spec that gives none)', () => {
  const sweep = (network?: object) => ({
    spec: { dataset: { id: 'd' }, ...(network ? { network } : {}) },
  });
  it('writes the default hidden layers in when a parameter varies one of them', () => {
    expect(withDefaultLayers(sweep(), ['network.layers.0.units']).spec).toEqual({
      dataset: { id: 'd' },
      network: { layers: [...defaultHiddenLayers] },
    });
    expect(
      withDefaultLayers(sweep({ inputSize: 4 }), ['network.layers.1.activation']).spec.network,
    ).toEqual({
      inputSize: 4,
      layers: [...defaultHiddenLayers],
    });
  });
  it('leaves a spec alone that gives layers, or whose parameters leave the layers be', () => {
    const given = sweep({ layers: [{ units: 5, activation: 'tanh' }] });
    expect(withDefaultLayers(given, ['network.layers.0.units'])).toBe(given);
    const none = sweep();
    expect(withDefaultLayers(none, ['training.learningRate'])).toBe(none);
  });
});
