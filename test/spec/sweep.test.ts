import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  checkTrialSpecs,
  draw,
  gridSize,
  jobSchema,
  maxTrials,
  parseOrThrow,
  type Sweep,
  type SweepInput,
  sampleTrials,
  sweepSchema,
  sweepSeed,
  trialCount,
  trialSpec,
  unreadParameter,
} from '../../src/spec/index.js';
import { issuesOf, onlyIssue } from '../helpers/issues.js';

// iris with one hidden layer, as a sweep's base spec
const irisSpec = {
  dataset: { builtin: 'iris' },
  network: { layers: [{ units: 8, activation: 'tanh' }] },
  training: { epochs: 100, seed: 1, optimizer: 'adam' },
} satisfies SweepInput['spec'];

// the issue's example, on iris
const issueSweep: SweepInput = {
  spec: irisSpec,
  parameters: {
    'training.learningRate': { logUniform: [0.0003, 0.1] },
    'training.batchSize': { values: [16, 32, 64] },
    'network.layers.0.units': { intUniform: [8, 128] },
  },
  method: 'random',
  trials: 20,
  parallel: 4,
  objective: { metric: 'validationError', goal: 'minimize' },
  earlyStopping: { method: 'asha', minEpochs: 5, reductionFactor: 3 },
  model: { name: 'penguins', alias: 'best' },
};

const parse = (body: unknown): Sweep => parseOrThrow(sweepSchema, body);
const sweepWith = (fields: Partial<SweepInput>): Sweep => parse({ ...issueSweep, ...fields });

afterEach(() => {
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
});

describe('sweepSchema', () => {
  it("takes the issue's example and fills in nothing it gave", () => {
    const sweep = parse(issueSweep);
    expect(sweep.method).toBe('random');
    expect(sweep.trials).toBe(20);
    expect(sweep.earlyStopping).toEqual({ method: 'asha', minEpochs: 5, reductionFactor: 3 });
    expect(sweep.model).toEqual({ name: 'penguins', alias: 'best' });
    expect(sweep.spec.training).toEqual(irisSpec.training);
  });

  it('defaults method, parallel, objective, and the seed to the spec’s', () => {
    const sweep = parse({
      spec: irisSpec,
      parameters: { 'training.learningRate': { uniform: [0.01, 0.1] } },
      trials: 3,
    });
    expect(sweep.method).toBe('random');
    expect(sweep.parallel).toBe(4);
    expect(sweep.objective).toEqual({ metric: 'validationError', goal: 'minimize' });
    expect(sweep.earlyStopping).toBeUndefined();
    expect(sweepSeed(sweep)).toBe(1);
    expect(sweepSeed({ ...sweep, seed: 7 })).toBe(7);
    expect(sweepSeed({ ...sweep, spec: { dataset: { builtin: 'iris' } } })).toBe(0);
  });

  it('has a JSON Schema for the API’s documents (the body as sent)', () => {
    // the dataset is a custom schema documented by its meta; the route's transform handles it
    const json = z.toJSONSchema(sweepSchema, { io: 'input', unrepresentable: 'any' }) as {
      properties: Record<string, unknown>;
      required: string[];
    };
    expect(Object.keys(json.properties).sort()).toEqual([
      'earlyStopping',
      'method',
      'model',
      'objective',
      'parallel',
      'parameters',
      'seed',
      'spec',
      'trials',
    ]);
    expect(json.required.sort()).toEqual(['parameters', 'spec']);
  });

  it('fills in ASHA’s defaults and an accuracy’s goal', () => {
    const sweep = sweepWith({
      earlyStopping: { method: 'asha' },
      objective: { metric: 'validationAccuracy' },
    });
    expect(sweep.earlyStopping).toEqual({ method: 'asha', minEpochs: 5, reductionFactor: 3 });
    expect(sweep.objective).toEqual({ metric: 'validationAccuracy', goal: 'maximize' });
  });

  it.each([
    [{ trials: undefined }, 'trials', 'random search needs trials: how many to draw, e.g. 20'],
    [{ trials: 0 }, 'trials', 'must be at least 1'],
    [{ trials: maxTrials + 1 }, 'trials', `must be at most ${maxTrials}`],
    [{ parallel: 65 }, 'parallel', 'must be at most 64'],
    [{ method: 'tpe' }, 'method', 'must be grid or random'],
    [
      { objective: { metric: 'test.accuracy' } },
      'objective.metric',
      'must be one of validationError, error, validationAccuracy, accuracy',
    ],
    [
      { objective: { metric: 'validationError', goal: 'maximize' } },
      'objective.goal',
      'maximize validationError would pick the worst trial: use minimize, or leave goal out',
    ],
    [
      { earlyStopping: { method: 'asha', minEpochs: 100 } },
      'earlyStopping.minEpochs',
      'must be less than spec.training.epochs (100): no rung would come before a trial ends; lower it or leave earlyStopping out',
    ],
    [
      { earlyStopping: { method: 'asha', reductionFactor: 1 } },
      'earlyStopping.reductionFactor',
      'must be at least 2',
    ],
    [
      { model: { name: 'penguins', alias: 'latest' } },
      'model.alias',
      '"latest" always means the newest version: choose another alias',
    ],
    [{ parameters: {} }, 'parameters', expect.stringMatching(/^needs at least one parameter/)],
    [
      { spec: { ...irisSpec, training: { epochs: 0 } }, earlyStopping: undefined },
      'spec.training.epochs',
      'must be at least 1',
    ],
  ] as [Partial<SweepInput>, string, unknown][])('refuses %j at %s', (fields, path, message) => {
    expect(onlyIssue(() => sweepWith(fields))).toEqual({ path, message });
  });

  it.each([
    [{ uniform: [1, 0.1] }, 'uniform', 'must be [lo, hi] with lo < hi (got [1, 0.1]): swap them'],
    [
      { uniform: [0.1, 0.1] },
      'uniform',
      'must be [lo, hi] with lo < hi (got [0.1, 0.1]): for one value give {"values": [0.1]}',
    ],
    [
      { logUniform: [0, 0.1] },
      'logUniform.0',
      'must be greater than 0 (got 0): the logarithm of 0 or less has no value; use e.g. [0.0001, 0.1], or uniform for a range reaching 0',
    ],
    [
      { intUniform: [1.5, 8] },
      'intUniform.0',
      'must be a whole number (got 1.5): intUniform draws whole numbers; use uniform for fractions',
    ],
    [{ values: [] }, 'values', 'needs at least one value'],
    [{ values: [16, 16] }, 'values', 'must not repeat a value: each is tried once (per draw)'],
    [{ values: [{ a: 1 }] }, 'values.0', 'must be a number, a string or true/false'],
    [{ uniform: [0, 1], values: [1] }, 'uniform', 'give one distribution, not values and uniform'],
    [{ uniform: [0, 'x'] }, 'uniform.1', 'must be a finite number'],
    [
      0.1,
      '',
      'must be one of {"values": [...]}, {"uniform": [lo, hi]}, {"logUniform": [lo, hi]}, {"intUniform": [lo, hi]}',
    ],
  ])('refuses the distribution %j at its %s', (d, at, message) => {
    const path = ['parameters.training.learningRate', at].filter(Boolean).join('.');
    expect(
      onlyIssue(() => sweepWith({ parameters: { 'training.learningRate': d as never } })),
    ).toEqual({ path, message });
  });

  it('refuses a misspelt distribution, and says what the four are', () => {
    const d = { loguniform: [0.1, 1] } as never;
    expect(issuesOf(() => sweepWith({ parameters: { 'training.learningRate': d } }))).toEqual([
      {
        path: 'parameters.training.learningRate.loguniform',
        message: 'is not a known field: remove it or check its spelling',
      },
      {
        path: 'parameters.training.learningRate',
        message:
          'give one of values, uniform, logUniform or intUniform, e.g. {"logUniform": [0.0003, 0.1]}',
      },
    ]);
  });

  it.each([
    ['training.__proto__.polluted', 'must not name __proto__'],
    ['training.constructor', 'must not name constructor'],
    ['network.layers.0.prototype', 'must not name prototype'],
    ['training..epochs', "must be a dotted path of a job spec's field"],
    ['training/epochs', "must be a dotted path of a job spec's field"],
    ['0.units', 'must start with a field of the job spec'],
  ])('refuses the path %s', (path, start) => {
    const issue = onlyIssue(() => sweepWith({ parameters: { [path]: { values: [1] } } }));
    expect(issue.path).toBe(`parameters.${path}`);
    expect(issue.message.startsWith(start)).toBe(true);
  });

  it('ignores a bare __proto__ key (zod drops it) and pollutes nothing', () => {
    const body = JSON.parse(
      '{"spec": {"dataset": {"builtin": "iris"}}, "trials": 2, "parameters": {"__proto__": {"values": [1]}, "training.epochs": {"values": [3]}}}',
    );
    expect(Object.keys(parse(body).parameters)).toEqual(['training.epochs']);
  });

  it('refuses a path inside another parameter’s', () => {
    expect(
      onlyIssue(() =>
        sweepWith({
          parameters: {
            'network.layers.0': { values: [1] },
            'network.layers.0.units': { values: [4] },
          },
        }),
      ),
    ).toEqual({
      path: 'parameters.network.layers.0.units',
      message: 'lies inside network.layers.0, which another parameter sets: keep one of them',
    });
  });

  it('refuses a grid over a continuous distribution, naming each', () => {
    const issues = issuesOf(() => sweepWith({ method: 'grid', trials: undefined }));
    expect(issues).toEqual([
      {
        path: 'parameters.training.learningRate',
        message:
          'a grid takes only {"values": [...]}, not logUniform: list this parameter\'s values, or use method random',
      },
      {
        path: 'parameters.network.layers.0.units',
        message:
          'a grid takes only {"values": [...]}, not intUniform: list this parameter\'s values, or use method random',
      },
    ]);
  });

  it('refuses a grid larger than maxTrials, and trials other than its size', () => {
    const values = Array.from({ length: 40 }, (_, k) => k + 1);
    const big = { 'training.epochs': { values }, 'network.layers.0.units': { values } };
    expect(
      onlyIssue(() => sweepWith({ method: 'grid', trials: undefined, parameters: big })),
    ).toEqual({
      path: 'parameters',
      message:
        'make a grid of 1600 combinations: at most 1000; give fewer values, or use method random with trials',
    });
    expect(
      onlyIssue(() =>
        sweepWith({
          method: 'grid',
          trials: 5,
          parameters: { 'training.epochs': { values: [1, 2, 3] } },
        }),
      ),
    ).toEqual({
      path: 'trials',
      message:
        "must be the grid's size (3) or left out: a grid runs every combination once; use method random to draw fewer",
    });
  });
});

const gridSweep = (): Sweep =>
  sweepWith({
    method: 'grid',
    trials: undefined,
    parameters: {
      'training.optimizer': { values: ['sgd', 'adam'] },
      'training.batchSize': { values: [16, 32, 'full'] },
      'network.layers.0.units': { values: [4, 8] },
      'training.shuffle': { values: [true, false] },
    },
  });

describe('sampleTrials: grid', () => {
  it('gives every combination exactly once, the last path (sorted) changing fastest', () => {
    const sweep = gridSweep();
    const trials = sampleTrials(sweep);
    expect(gridSize(sweep.parameters)).toBe(24);
    expect(trialCount(sweep)).toBe(24);
    expect(trialCount(parse(issueSweep))).toBe(20);
    expect(trials).toHaveLength(24);
    const keys = trials.map((t) => JSON.stringify(t.params));
    expect(new Set(keys).size).toBe(24);
    for (const optimizer of ['sgd', 'adam'])
      for (const batchSize of [16, 32, 'full'])
        for (const units of [4, 8])
          for (const shuffle of [true, false])
            expect(
              trials.filter(
                (t) =>
                  t.params['training.optimizer'] === optimizer &&
                  t.params['training.batchSize'] === batchSize &&
                  t.params['network.layers.0.units'] === units &&
                  t.params['training.shuffle'] === shuffle,
              ),
            ).toHaveLength(1);
    // sorted paths: network.layers.0.units, training.batchSize, training.optimizer, training.shuffle
    expect(trials.slice(0, 3).map((t) => t.params)).toEqual([
      {
        'network.layers.0.units': 4,
        'training.batchSize': 16,
        'training.optimizer': 'sgd',
        'training.shuffle': true,
      },
      {
        'network.layers.0.units': 4,
        'training.batchSize': 16,
        'training.optimizer': 'sgd',
        'training.shuffle': false,
      },
      {
        'network.layers.0.units': 4,
        'training.batchSize': 16,
        'training.optimizer': 'adam',
        'training.shuffle': true,
      },
    ]);
  });

  it('does not depend on the order the body lists parameters in', () => {
    const sweep = gridSweep();
    const reversed = {
      ...sweep,
      parameters: Object.fromEntries(Object.entries(sweep.parameters).reverse()),
    };
    expect(sampleTrials(reversed)).toEqual(sampleTrials(sweep));
  });
});

describe('sampleTrials: random', () => {
  it('draws the same trials for the same sweep, others for another seed', () => {
    const a = sampleTrials(parse(issueSweep));
    const b = sampleTrials(parse(structuredClone(issueSweep)));
    expect(a).toHaveLength(20);
    expect(b).toEqual(a);
    const c = sampleTrials(sweepWith({ seed: 2 }));
    expect(c).toHaveLength(20);
    const same = c.filter(
      (t, k) => t.params['training.learningRate'] === a[k]!.params['training.learningRate'],
    );
    expect(same).toHaveLength(0);
  });

  it('keeps the first trials when more are drawn, and each parameter when another is added', () => {
    const twenty = sampleTrials(parse(issueSweep));
    const thirty = sampleTrials(sweepWith({ trials: 30 }));
    expect(thirty.slice(0, 20)).toEqual(twenty);
    const more = sampleTrials(
      sweepWith({
        parameters: { ...issueSweep.parameters, 'training.weightDecay': { uniform: [0, 0.01] } },
      }),
    );
    expect(more.map((t) => t.params['training.learningRate'])).toEqual(
      twenty.map((t) => t.params['training.learningRate']),
    );
  });

  it('keeps draws in range; intUniform reaches both ends; values are each drawn', () => {
    const trials = sampleTrials(
      sweepWith({
        trials: 1000,
        parameters: {
          'training.momentum': { uniform: [0.5, 0.6] },
          'training.learningRate': { logUniform: [0.0003, 0.1] },
          'network.layers.0.units': { intUniform: [8, 12] },
          'training.batchSize': { values: [16, 32, 64] },
        },
      }),
    );
    const of = (path: string) => trials.map((t) => t.params[path] as number);
    expect(Math.min(...of('training.momentum'))).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...of('training.momentum'))).toBeLessThan(0.6);
    expect(Math.min(...of('training.learningRate'))).toBeGreaterThanOrEqual(0.0003);
    expect(Math.max(...of('training.learningRate'))).toBeLessThanOrEqual(0.1);
    const units = of('network.layers.0.units');
    expect(units.every((u) => Number.isInteger(u))).toBe(true);
    expect([...new Set(units)].sort((x, y) => x - y)).toEqual([8, 9, 10, 11, 12]);
    // each of 5 (or 3) outcomes about 1000/5 (1000/3) times: far from 0 and from all
    for (const u of [8, 12]) {
      const n = units.filter((x) => x === u).length;
      expect(n).toBeGreaterThan(140);
      expect(n).toBeLessThan(260);
    }
    for (const b of [16, 32, 64]) {
      const n = of('training.batchSize').filter((x) => x === b).length;
      expect(n).toBeGreaterThan(270);
      expect(n).toBeLessThan(400);
    }
  });

  it('draws logUniform uniformly in log space: quartiles at the log-quartiles', () => {
    const [lo, hi] = [0.0001, 1];
    const trials = sampleTrials(
      sweepWith({
        trials: 1000,
        parameters: { 'training.learningRate': { logUniform: [lo, hi] } },
      }),
    );
    const sorted = trials
      .map((t) => t.params['training.learningRate'] as number)
      .sort((x, y) => x - y);
    // log10 uniform on [-4, 0]: quartiles at 10^-3, 10^-2 (the geometric mean), 10^-1.
    // A uniform draw's quartile misses by more than 0.05 (in probability) with p < 1e-3 at n=1000;
    // 0.05 of 4 decades is 0.2 decades. The seed is fixed, so this is a check of the transform.
    for (const [q, decade] of [
      [0.25, -3],
      [0.5, -2],
      [0.75, -1],
    ] as const) {
      expect(Math.abs(Math.log10(sorted[Math.floor(q * sorted.length)]!) - decade)).toBeLessThan(
        0.2,
      );
    }
    // a uniform (not log) draw would put its median near 0.5
    expect(sorted[500]!).toBeLessThan(0.02);
  });

  it('draw stays in every valid range, for any number in [0, 1) (property)', () => {
    const end = fc.double({ min: -1e6, max: 1e6, noNaN: true });
    const u = fc.double({ min: 0, max: 1 - 2 ** -53, noNaN: true });
    fc.assert(
      fc.property(end, end, u, (a, b, next) => {
        fc.pre(a !== b);
        const [lo, hi] = [Math.min(a, b), Math.max(a, b)];
        const x = draw({ uniform: [lo, hi] }, () => next) as number;
        expect(x >= lo && x <= hi).toBe(true);
        const [ilo, ihi] = [Math.round(lo), Math.round(lo) + Math.round(hi - lo) + 1];
        const k = draw({ intUniform: [ilo, ihi] }, () => next) as number;
        expect(Number.isInteger(k) && k >= ilo && k <= ihi).toBe(true);
        if (lo > 0) {
          const y = draw({ logUniform: [lo, hi] }, () => next) as number;
          expect(y >= lo && y <= hi).toBe(true);
        }
      }),
    );
  });

  it('a grid has as many trials as the product of its value counts, none twice (property)', () => {
    const values = fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 4 }), (lists) => {
        const parameters = Object.fromEntries(
          lists.map((list, k) => [`training.p${k}`, { values: list }]),
        );
        const sweep = sweepWith({ method: 'grid', trials: undefined, parameters });
        const trials = sampleTrials(sweep);
        expect(trials).toHaveLength(lists.reduce((n, list) => n * list.length, 1));
        expect(new Set(trials.map((t) => JSON.stringify(t.params))).size).toBe(trials.length);
      }),
    );
  });

  it('draw maps the ends of [0, 1) to the ends of each range', () => {
    expect(draw({ intUniform: [8, 128] }, () => 0)).toBe(8);
    expect(draw({ intUniform: [8, 128] }, () => 1 - 2 ** -32)).toBe(128);
    expect(draw({ logUniform: [0.001, 0.1] }, () => 0)).toBeCloseTo(0.001, 15);
    expect(draw({ logUniform: [0.001, 0.1] }, () => 0.5)).toBeCloseTo(0.01, 12);
    expect(draw({ uniform: [-1, 1] }, () => 0.75)).toBe(0.5);
    expect(draw({ values: ['a', 'b', 'c'] }, () => 0.99)).toBe('c');
  });
});

describe('trialSpec', () => {
  const spec = jobSchema.parse(irisSpec);

  it('sets each path, makes what the spec leaves out, and changes nothing of the spec', () => {
    const before = structuredClone(spec);
    const out = trialSpec(spec, {
      'training.learningRate': 0.01,
      'network.layers.0.units': 32,
      'network.layers.1.units': 4,
      'network.layers.1.activation': 'relu',
      'training.batchSize': 'full',
    });
    expect(out).toEqual({
      dataset: { builtin: 'iris' },
      network: {
        layers: [
          { units: 32, activation: 'tanh' },
          { units: 4, activation: 'relu' },
        ],
      },
      training: { epochs: 100, seed: 1, optimizer: 'adam', learningRate: 0.01, batchSize: 'full' },
    });
    expect(spec).toEqual(before);
    expect(out.dataset).toBe(spec.dataset);
  });

  it('makes a network block the spec left out', () => {
    const bare = jobSchema.parse({ dataset: { builtin: 'iris' } });
    expect(
      trialSpec(bare, { 'network.layers.0.units': 5, 'network.layers.0.activation': 'relu' }),
    ).toEqual({
      dataset: { builtin: 'iris' },
      network: { layers: [{ units: 5, activation: 'relu' }] },
    });
  });

  it.each([
    [
      'network.layers.3.units',
      'network.layers has 1 item: index 3 would leave a gap; use an index up to 1',
    ],
    [
      'network.layers.first',
      'network.layers is a list: name an item by its index, e.g. network.layers.0',
    ],
    ['training.epochs.max', 'training.epochs is 100, not an object: this path goes inside a value'],
    [
      'training.__proto__.polluted',
      "must not name __proto__: give the dotted path of a job spec's field",
    ],
  ])('refuses %s', (path, message) => {
    expect(onlyIssue(() => trialSpec(spec, { [path]: 1 }))).toEqual({
      path: `parameters.${path}`,
      message,
    });
  });
});

describe('checkTrialSpecs', () => {
  it('gives every trial its validated spec', () => {
    const trials = checkTrialSpecs(parse(issueSweep));
    expect(trials).toHaveLength(20);
    expect(trials.map((t) => ({ params: t.params }))).toEqual(sampleTrials(parse(issueSweep)));
    for (const { params, spec } of trials) {
      expect(spec.training?.learningRate).toBe(params['training.learningRate']);
      expect(spec.training?.batchSize).toBe(params['training.batchSize']);
      expect(spec.network?.layers?.[0]?.units).toBe(params['network.layers.0.units']);
      expect(spec.training?.epochs).toBe(100);
      expect(jobSchema.parse(spec)).toEqual(spec);
    }
  });

  it('names a misspelt field’s parameter', () => {
    const sweep = sweepWith({ parameters: { 'training.learningrate': { uniform: [0.01, 0.1] } } });
    expect(onlyIssue(() => checkTrialSpecs(sweep))).toEqual({
      path: 'parameters.training.learningrate',
      message:
        'names no field of a job spec: check its spelling (fields are case-sensitive, e.g. training.learningRate)',
    });
    const top = sweepWith({ parameters: { 'trainig.epochs': { values: [5] } } });
    expect(onlyIssue(() => checkTrialSpecs(top))).toEqual({
      path: 'parameters.trainig.epochs',
      message: 'names no field of a job spec (trainig is not one): check its spelling',
    });
  });

  it('names the parameter and the value a job would refuse', () => {
    const values = sweepWith({
      method: 'grid',
      trials: undefined,
      parameters: { 'training.batchSize': { values: [16, 0, 'half'] } },
    });
    expect(issuesOf(() => checkTrialSpecs(values))).toEqual([
      {
        path: 'parameters.training.batchSize',
        message: 'must be at least 1 (got 0): remove that value',
      },
      {
        path: 'parameters.training.batchSize',
        message:
          'must be a positive whole number of rows, or "full" for full-batch gradient descent (got "half"): remove that value',
      },
    ]);
    const range = sweepWith({
      trials: 1,
      parameters: { 'training.learningRate': { uniform: [2000, 3000] } },
    });
    const issue = onlyIssue(() => checkTrialSpecs(range));
    expect(issue.path).toBe('parameters.training.learningRate');
    expect(issue.message).toMatch(
      /^must be at most 1000 \(drew 2\d{3}(\.\d+)? from uniform \[2000, 3000\]\): keep the parameter's range within it$/,
    );
    const units = sweepWith({
      trials: 1,
      parameters: { 'network.layers.0.units': { uniform: [8, 64] } },
    });
    expect(onlyIssue(() => checkTrialSpecs(units)).message).toMatch(
      /^must be a whole number of units \(drew .+ from uniform \[8, 64\]\): draw whole numbers with intUniform$/,
    );
  });

  it('names the parameter whose new layer lacks a field, and the field', () => {
    const grid = sweepWith({
      method: 'grid',
      trials: undefined,
      parameters: { 'network.layers.1.units': { values: [4] } },
    });
    expect(onlyIssue(() => checkTrialSpecs(grid))).toEqual({
      path: 'parameters.network.layers.1.units',
      message:
        'with this parameter at 4, network.layers.1.activation must be one of identity, sigmoid, tanh, relu, leaky_relu, softplus, elu, softmax, maxout: give it in spec, or with another parameter',
    });
  });

  it('stops at 20 issues', () => {
    const values = Array.from({ length: 50 }, (_, k) => -k - 1);
    const sweep = sweepWith({
      method: 'grid',
      trials: undefined,
      parameters: { 'training.epochs': { values } },
    });
    expect(issuesOf(() => checkTrialSpecs(sweep))).toHaveLength(20);
  });

  it('passes every random trial of valid ranges as a job (property)', () => {
    const lo = (max: number) => fc.double({ min: 1e-6, max, noNaN: true });
    fc.assert(
      fc.property(
        lo(0.5),
        lo(0.5),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 50 }),
        fc.subarray([16, 32, 'full'] as (number | string)[], { minLength: 1 }),
        fc.nat(4294967295),
        (a, b, units, extra, batchSizes, seed) => {
          const sweep = sweepWith({
            seed,
            trials: 10,
            parameters: {
              'training.learningRate': { logUniform: [Math.min(a, b) / 2, Math.max(a, b)] },
              'training.momentum': { uniform: [0, Math.max(a, b)] },
              'network.layers.0.units': { intUniform: [units, units + extra + 1] },
              'training.batchSize': { values: batchSizes },
            },
          });
          const trials = checkTrialSpecs(sweep);
          expect(trials).toHaveLength(10);
          for (const { spec } of trials) expect(jobSchema.safeParse(spec).success).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('unreadParameter', () => {
  const paths = ['training.learningRate', 'training.momentum', 'training.beta1'];

  it('names a parameter no trial reads: momentum under sgd and adam, beta1 under momentum', () => {
    expect(unreadParameter(paths, ['sgd', 'adam', 'sgd'])).toEqual({
      path: 'parameters.training.momentum',
      message:
        'only the momentum and nesterov optimizers read it, and every trial trains with sgd and adam, so the trials would not differ by it: set spec.training.optimizer to momentum, or vary training.optimizer too',
    });
    expect(unreadParameter(paths, ['nesterov', 'momentum'])?.path).toBe(
      'parameters.training.beta1',
    );
    expect(unreadParameter(['training.epsilon'], ['sgd'])?.message).toMatch(
      /^only the adam optimizer reads it/,
    );
  });

  it('passes when some trial reads every parameter, and for fields every optimiser reads', () => {
    expect(unreadParameter(paths, ['sgd', 'momentum', 'adam'])).toBeUndefined();
    expect(
      unreadParameter(['training.learningRate', 'training.batchSize'], ['sgd']),
    ).toBeUndefined();
  });
});
