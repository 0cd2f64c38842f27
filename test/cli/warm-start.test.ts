// `backprop train` with training.initFrom (issue 15), no server: a job starts from a model file
// (JSON or a downloaded .bpmodel, relative to the job file), so its first epoch's error is far
// below a cold start's; a table job keeps the model's preprocessing; a network whose layer
// differs is refused naming the layer.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeModelFile } from '../../src/spec/model-file.js';
import { irisJob, runCli, scratchFolder } from '../helpers/cli.js';

const scratch = scratchFolder('backprop-cli-warm-start');
afterAll(() => scratch.remove());
scratch.write('cars.csv', readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8'));

const read = (file: string) => JSON.parse(readFileSync(join(scratch.dir, file), 'utf8'));
function train(file: string, job: unknown) {
  const run = runCli(['train', scratch.write(file, job), '--quiet']);
  expect(run.status, run.stderr).toBe(0);
  return read(file.replace(/\.json$/, '.model.json'));
}

describe('backprop train with training.initFrom', () => {
  it('iris from a downloaded .bpmodel: the first epoch far below a cold start', () => {
    const original = train('iris.json', irisJob({ epochs: 100, seed: 1 }));
    writeFileSync(join(scratch.dir, 'iris.bpmodel'), encodeModelFile(original));
    const cold = train('cold.json', irisJob({ epochs: 3, seed: 2 }));
    const job = irisJob({ epochs: 3, seed: 2 });
    const warm = train('warm.json', {
      ...job,
      training: { ...job.training, initFrom: { model: 'iris.bpmodel' } },
    });
    expect(warm.history[0].error).toBeLessThan(0.1 * cold.history[0].error);
    expect(warm.scaler).toEqual(original.scaler);
    expect(warm.training.initFrom).toEqual({ model: 'iris.bpmodel' });
  });

  it('cars: keeps the model’s preprocessing', () => {
    const dataset = { csv: 'cars.csv', label: 'Miles_per_Gallon' };
    const original = train('cars.json', { dataset, training: { seed: 1 } });
    const cold = train('cars-cold.json', { dataset, training: { seed: 2 } });
    const warm = train('cars-warm.json', {
      dataset,
      training: { seed: 2, initFrom: { model: 'cars.model.json' } },
    });
    expect(warm.preprocessing).toEqual(original.preprocessing);
    expect(warm.target).toEqual(original.target);
    expect(warm.network).toEqual(original.network);
    expect(warm.history[0].error).toBeLessThan(0.1 * cold.history[0].error);
  });

  it('refuses a network whose layer differs, naming it', () => {
    const job = irisJob({ epochs: 3, seed: 2 });
    job.network.layers[0]!.units = 9;
    const path = scratch.write('bad.json', {
      ...job,
      training: { ...job.training, initFrom: { model: 'iris.model.json' } },
    });
    const run = runCli(['train', path, '--quiet']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/network\.layers\.0.*has units 9 but the model to start from/);
  });
});
