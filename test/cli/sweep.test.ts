// `backprop sweep` run locally: the same sweep gives the same trials, pruning and best on every
// run and with any number of threads (ASHA judged by index, as the server judges), a grid runs
// every combination, ASHA prunes and saves epochs on a real table, and bad input exits 2 naming
// the field. Real worker threads throughout; small data and few epochs.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLocalSweep, type SweepResultView } from '../../src/cli/sweep-local.js';
import { rungsOf } from '../../src/spec/asha.js';
import { modelSchema, type SweepInput } from '../../src/spec/index.js';
import { runCli, scratchFolder } from '../helpers/cli.js';

const scratch = scratchFolder('backprop-sweep');
const { dir, write } = scratch;
afterAll(() => scratch.remove());

// iris, a small network, 12 random trials pruned by ASHA at epochs 3 and 9 of 27
const irisSweep: SweepInput = {
  spec: {
    dataset: { builtin: 'iris', subset: 'train' },
    network: { layers: [{ units: 8, activation: 'tanh' }] },
    training: { epochs: 27, seed: 3, optimizer: 'adam', batchSize: 16, validationSplit: 0.25 },
  },
  parameters: {
    'training.learningRate': { logUniform: [0.0003, 0.1] },
    'network.layers.0.units': { intUniform: [2, 16] },
  },
  trials: 12,
  parallel: 4,
  earlyStopping: { method: 'asha', minEpochs: 3, reductionFactor: 3 },
};

const run = (sweep: SweepInput, threads: number) => runLocalSweep(sweep, { baseDir: dir, threads });
const trialsOf = (view: SweepResultView) => view.trials;

describe('a local sweep', () => {
  it('gives the same trials, metrics, pruning and best on every run and with 1 or 3 threads', async () => {
    const once = await run(irisSweep, 2);
    const again = await run(irisSweep, 2);
    const alone = await run(irisSweep, 1);
    const three = await run(irisSweep, 3);
    expect(three.threads).toBe(3);
    expect(alone.threads).toBe(1);
    const { view } = once;
    expect(view.status).toBe('succeeded');
    expect(view.trialCount).toBe(12);
    // a comparison worth making: some pruned at a rung, some trained on, the metrics all differ
    expect(view.counts.pruned).toBeGreaterThan(0);
    expect(view.counts.succeeded).toBeGreaterThan(0);
    expect(view.counts.pruned + view.counts.succeeded).toBe(12);
    const metrics = view.trials.map((t) => t.metric);
    expect(new Set(metrics).size).toBe(12);
    for (const other of [again, alone, three]) {
      expect(trialsOf(other.view)).toEqual(trialsOf(view));
      expect(other.view.best).toEqual(view.best);
      expect(other.bestModel!.weights).toEqual(once.bestModel!.weights);
    }
    const rungs = rungsOf(3, 3, 27);
    for (const t of view.trials.filter((t) => t.status === 'pruned')) {
      expect(rungs).toContain(t.epochs);
    }
    // the best is the succeeded trial of least validation error, and its model is that trial's
    const succeeded = view.trials.filter((t) => t.status === 'succeeded');
    const least = Math.min(...succeeded.map((t) => t.metric!));
    expect(view.best!.metric).toBe(least);
    expect(view.best!.index).toBe(succeeded.find((t) => t.metric === least)!.index);
    const best = once.bestModel!;
    expect(best.metrics.validationError).toBe(least);
    expect(best.network.layers[0]!.units).toBe(view.best!.params['network.layers.0.units']);
    expect(best.training.learningRate).toBe(view.best!.params['training.learningRate']);
    expect(best.training.seed).toBe(3); // every trial trains from the spec's seed
  }, 120_000);

  it('runs every combination of a grid once', async () => {
    const grid: SweepInput = {
      spec: { ...irisSweep.spec, training: { ...irisSweep.spec.training, epochs: 5 } },
      parameters: {
        'network.layers.0.units': { values: [3, 6] },
        'training.learningRate': { values: [0.003, 0.01, 0.03] },
      },
      method: 'grid',
      parallel: 2,
    };
    const { view } = await run(grid, 2);
    expect(view.trialCount).toBe(6);
    expect(view.counts.succeeded).toBe(6);
    const combos = view.trials.map(
      (t) => `${t.params['network.layers.0.units']}@${t.params['training.learningRate']}`,
    );
    expect(combos.sort()).toEqual(
      ['3@0.003', '3@0.01', '3@0.03', '6@0.003', '6@0.01', '6@0.03'].sort(),
    );
    expect(view.trials.every((t) => t.epochs === 5)).toBe(true);
  }, 60_000);

  it('prunes with ASHA on a real table, in fewer epochs than the same trials without', () => {
    copyFileSync(join(process.cwd(), 'bench/data/penguins.csv'), join(dir, 'penguins.csv'));
    const sweep: SweepInput = {
      spec: {
        dataset: { csv: 'penguins.csv', label: 'Species' },
        network: { layers: [{ units: 16, activation: 'relu' }] },
        training: { epochs: 20, seed: 1, optimizer: 'adam', validationSplit: 0.2 },
      },
      parameters: { 'training.learningRate': { logUniform: [0.0001, 0.03] } },
      trials: 9,
      earlyStopping: { method: 'asha', minEpochs: 2, reductionFactor: 3 },
    };
    const file = write('penguins-sweep.json', sweep);
    const out = join(dir, 'best.json');
    const cli = runCli(['sweep', file, '--json', '--threads', '2', '--out', out]);
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    const view = JSON.parse(cli.stdout) as SweepResultView;
    expect(view.counts.pruned).toBeGreaterThan(0);
    const doc = modelSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(doc.metrics.validationError).toBe(view.best!.metric);
    expect(doc.metrics.test!.rows).toBeGreaterThan(0); // held-out rows evaluated, as train does

    const { earlyStopping: _, ...withoutAsha } = sweep;
    const full = runCli(['sweep', write('penguins-full.json', withoutAsha), '--json']);
    expect(full.status).toBe(0);
    const fullView = JSON.parse(full.stdout) as SweepResultView;
    expect(fullView.counts.pruned).toBe(0);
    const epochs = (v: SweepResultView) => v.trials.reduce((n, t) => n + t.epochs, 0);
    expect(epochs(view)).toBeLessThan(epochs(fullView));
    // the same trials, the same params: ASHA changes only how far each goes, and a trial it
    // let through (paused at each rung for a decision) trains exactly as it does unpaused
    expect(view.trials.map((t) => t.params)).toEqual(fullView.trials.map((t) => t.params));
    const through = view.trials.filter((t) => t.status === 'succeeded');
    expect(through.length).toBeGreaterThan(0);
    for (const t of through) expect(t.metric).toBe(fullView.trials[t.index]!.metric);
  }, 120_000);
});

describe('backprop sweep refuses bad input with exit 2 and one line', () => {
  const refused = (name: string, body: unknown) => {
    const r = runCli(['sweep', write(name, body)]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    return r.stderr;
  };

  it('names the field: trials, a parameter, the objective, spec.model, the CSV', () => {
    const { trials: _, ...noTrials } = irisSweep;
    expect(refused('no-trials.json', noTrials)).toMatch(/^backprop: trials: random search needs/);
    const misspelt = { ...irisSweep, parameters: { 'training.learningRat': { values: [0.1] } } };
    expect(refused('misspelt.json', misspelt)).toContain('parameters.training.learningRat:');
    // silent on validationSplit, a trial holds 0.2 out (as the server does); an explicit 0 is refused
    const noValidation = {
      ...irisSweep,
      spec: { ...irisSweep.spec, training: { epochs: 27, seed: 3, validationSplit: 0 } },
    };
    expect(refused('no-validation.json', noValidation)).toContain(
      'objective.metric: validationError needs validation rows',
    );
    // momentum varied while every trial trains with adam: no trial reads it
    const unread = { ...irisSweep, parameters: { 'training.momentum': { uniform: [0, 0.9] } } };
    expect(refused('unread.json', unread)).toMatch(
      /^backprop: parameters\.training\.momentum: only the momentum and nesterov optimizers read it, and every trial trains with adam,/,
    );
    const named = { ...irisSweep, spec: { ...irisSweep.spec, model: { name: 'iris' } } };
    expect(refused('named.json', named)).toContain('spec.model:');
    const missing = {
      ...irisSweep,
      spec: { ...irisSweep.spec, dataset: { csv: 'nowhere.csv', label: 'y' } },
    };
    expect(refused('missing.json', missing)).toMatch(/spec\.dataset\.csv: cannot read .*nowhere/);
  }, 60_000);
});
