import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseOrThrow, randomSeed, resolveTraining, trainingSchema } from '../../src/spec/index.js';
import { issuesOf, onlyIssue } from '../helpers/issues.js';

const parse = (value: unknown) => parseOrThrow(trainingSchema, value, 'training');
const seven = () => 7;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('trainingSchema accepts', () => {
  it('nothing at all: every field is optional', () => {
    expect(parse({})).toEqual({});
  });

  it('every field at once, unchanged', () => {
    const full = {
      epochs: 200,
      batchSize: 32,
      learningRate: 0.05,
      optimizer: 'adam',
      momentum: 0.5,
      beta1: 0.8,
      beta2: 0.99,
      epsilon: 1e-6,
      weightDecay: 0.001,
      tolerance: 0,
      patience: 3,
      validationSplit: 0.2,
      shuffle: false,
      standardize: false,
      seed: 4294967295,
    };
    expect(parse(full)).toEqual(full);
  });

  it('batchSize "full" and each optimizer', () => {
    expect(parse({ batchSize: 'full' })).toEqual({ batchSize: 'full' });
    for (const optimizer of ['sgd', 'momentum', 'nesterov', 'adam']) {
      expect(parse({ optimizer })).toEqual({ optimizer });
    }
  });
});

describe('trainingSchema rejects', () => {
  it.each([
    [{ epochs: 0 }, 'training.epochs', 'must be at least 1'],
    [{ epochs: 1.5 }, 'training.epochs', 'must be a whole number'],
    [{ epochs: '10' }, 'training.epochs', 'must be a number (got "10")'],
    [{ epochs: 1_000_001 }, 'training.epochs', 'must be at most 1000000'],
    [{ batchSize: 0 }, 'training.batchSize', 'must be at least 1'],
    [
      { batchSize: 2.5 },
      'training.batchSize',
      'must be a positive whole number of rows, or "full" for full-batch gradient descent',
    ],
    [
      { batchSize: 'half' },
      'training.batchSize',
      'must be a positive whole number of rows, or "full" for full-batch gradient descent',
    ],
    [{ learningRate: 0 }, 'training.learningRate', 'must be greater than 0'],
    [{ learningRate: -0.1 }, 'training.learningRate', 'must be greater than 0'],
    [{ learningRate: 1001 }, 'training.learningRate', 'must be at most 1000'],
    [
      { optimizer: 'rmsprop' },
      'training.optimizer',
      'must be one of sgd, momentum, nesterov, adam',
    ],
    [{ momentum: 1 }, 'training.momentum', 'must be between 0 and 0.9999: the velocity must decay'],
    [{ momentum: -0.1 }, 'training.momentum', 'must be between 0 and 0.9999'],
    [
      { beta1: 1 },
      'training.beta1',
      'must be between 0 and 0.9999: the moment estimate must decay',
    ],
    [
      { beta2: 1 },
      'training.beta2',
      'must be between 0 and 0.999999: the moment estimate must decay',
    ],
    [{ epsilon: 0 }, 'training.epsilon', 'must be greater than 0'],
    [{ epsilon: 2 }, 'training.epsilon', 'must be at most 1'],
    [{ weightDecay: -1 }, 'training.weightDecay', 'must be 0 or more'],
    [{ weightDecay: 11 }, 'training.weightDecay', 'must be at most 10'],
    [
      { tolerance: -1e-9 },
      'training.tolerance',
      'must be 0 or more (0 disables the convergence rule)',
    ],
    [{ patience: 0 }, 'training.patience', 'must be at least 1'],
    [{ patience: 2.5 }, 'training.patience', 'must be a whole number'],
    [
      { validationSplit: 0.95 },
      'training.validationSplit',
      'must be between 0 and 0.9: keep some rows for training',
    ],
    [{ validationSplit: -0.1 }, 'training.validationSplit', 'must be between 0 and 0.9'],
    [{ shuffle: 'yes' }, 'training.shuffle', 'must be true or false (got "yes")'],
    [{ standardize: 1 }, 'training.standardize', 'must be true or false (got 1)'],
    [{ seed: -1 }, 'training.seed', 'must be 0 or more'],
    [{ seed: 2 ** 32 }, 'training.seed', 'must fit in 32 bits'],
    [{ seed: 1.5 }, 'training.seed', 'must be a whole number'],
    [{ seed: null }, 'training.seed', 'must be a number (got null)'],
  ])('%j', (value, path, message) => {
    expect(onlyIssue(() => parse(value))).toEqual({ path, message });
  });

  it('a training block that is not an object', () => {
    expect(onlyIssue(() => parse([]))).toEqual({
      path: 'training',
      message: 'must be an object (got a list)',
    });
  });

  it('non-finite numbers: NaN and Infinity as values, "NaN" as a string, 1e999 from JSON', () => {
    expect(onlyIssue(() => parse({ learningRate: Number.NaN }))).toEqual({
      path: 'training.learningRate',
      message: 'must be a finite number (got NaN)',
    });
    // tolerance has no upper bound: Infinity must still be refused, as "never converge" is 0.
    expect(onlyIssue(() => parse({ tolerance: Number.POSITIVE_INFINITY }))).toEqual({
      path: 'training.tolerance',
      message: 'must be a finite number (got Infinity)',
    });
    expect(onlyIssue(() => parse({ epochs: 'NaN' }))).toEqual({
      path: 'training.epochs',
      message: 'must be a number (got "NaN")',
    });
    expect(issuesOf(() => parse(JSON.parse('{"patience": 1e999, "weightDecay": -1e999}')))).toEqual(
      [
        { path: 'training.weightDecay', message: 'must be a finite number (got -Infinity)' },
        { path: 'training.patience', message: 'must be a finite number (got Infinity)' },
      ],
    );
  });

  it('unknown fields, naming each key', () => {
    expect(issuesOf(() => parse({ epoch: 10, lr: 0.1 }))).toEqual([
      { path: 'training.epoch', message: 'is not a known field: remove it or check its spelling' },
      { path: 'training.lr', message: 'is not a known field: remove it or check its spelling' },
    ]);
  });
});

describe('resolveTraining', () => {
  it('fills every default', () => {
    expect(resolveTraining(undefined, seven)).toEqual({
      epochs: 100,
      batchSize: 'full',
      learningRate: 0.1,
      optimizer: 'sgd',
      momentum: 0.9,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 0,
      tolerance: 1e-7,
      patience: 10,
      validationSplit: 0,
      shuffle: true,
      standardize: true,
      seed: 7,
      threads: 1,
      testSplit: 0,
    });
  });

  it('defaults learningRate to 0.01 for adam, 0.1 for the others', () => {
    expect(resolveTraining({ optimizer: 'adam' }, seven).learningRate).toBe(0.01);
    for (const optimizer of ['sgd', 'momentum', 'nesterov'] as const) {
      expect(resolveTraining({ optimizer }, seven).learningRate).toBe(0.1);
    }
  });

  it('keeps every given value, including a learningRate for adam and falsy ones', () => {
    const given = {
      epochs: 5,
      batchSize: 8,
      learningRate: 0.5,
      optimizer: 'adam',
      tolerance: 0,
      shuffle: false,
      standardize: false,
      seed: 0,
    } as const;
    expect(resolveTraining(given, () => 99)).toMatchObject(given);
  });

  it('treats a field set to undefined as absent', () => {
    const resolved = resolveTraining({ epochs: undefined, optimizer: undefined }, seven);
    expect(resolved.epochs).toBe(100);
    expect(resolved.optimizer).toBe('sgd');
  });

  it('keeps the given seed without drawing one', () => {
    const draw = vi.fn(() => 5);
    expect(resolveTraining({ seed: 42 }, draw).seed).toBe(42);
    expect(draw).not.toHaveBeenCalled();
  });

  it('draws a seed when none is given', () => {
    const draw = vi.fn(() => 5);
    expect(resolveTraining({}, draw).seed).toBe(5);
    expect(draw).toHaveBeenCalledOnce();
  });

  it('draws a random 32-bit seed by default', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    expect(resolveTraining({}).seed).toBe(2 ** 30);
  });
});

describe('randomSeed', () => {
  it('spans [0, 2^32) in whole numbers', () => {
    const random = vi.spyOn(Math, 'random');
    random.mockReturnValueOnce(0).mockReturnValueOnce(1 - 2 ** -53);
    expect(randomSeed()).toBe(0);
    expect(randomSeed()).toBe(2 ** 32 - 1);
  });

  it('gives a valid seed every time', () => {
    for (let i = 0; i < 1000; i++) {
      const seed = randomSeed();
      expect(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32).toBe(true);
    }
    expect(() => parse({ seed: randomSeed() })).not.toThrow();
  });
});
