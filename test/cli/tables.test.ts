// The CLI on a raw table (issue 14), no server: `backprop train` on a CSV with text, dates,
// categories and blanks names only its label, and reports the held-out evaluation; `backprop
// predict` takes a CSV of raw columns by header name, blanks included, and gives the answers
// the evaluation was computed from.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { testSplitOf } from '../../src/data/index.js';
import { runCli, scratchFolder } from '../helpers/cli.js';

const scratch = scratchFolder('backprop-cli-tables');
afterAll(() => scratch.remove());

const carsCsv = readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8');
scratch.write('cars.csv', carsCsv);

describe('backprop train and predict on a raw table', () => {
  const job = scratch.write('cars.json', {
    dataset: { csv: 'cars.csv', label: 'Miles_per_Gallon' },
    training: { seed: 1 },
  });
  const train = runCli(['train', job, '--quiet']);
  const model = () => JSON.parse(readFileSync(join(scratch.dir, 'cars.model.json'), 'utf8'));

  it('trains with nothing but the label named, and stores the evaluation with the model', () => {
    expect(train.status, train.stderr).toBe(0);
    const doc = model();
    expect(doc.target).toMatchObject({ name: 'Miles_per_Gallon', task: 'regression' });
    expect(doc.network.inputSize).toBe(14);
    expect(doc.evaluation).toMatchObject({ task: 'regression', rows: 80 });
    expect(doc.evaluation.r2).toBeGreaterThan(0.75);
  });

  it('prints the table it read and the held-out report', () => {
    const loud = runCli(['train', job, '--out', join(scratch.dir, 'loud.model.json')]);
    expect(loud.status, loud.stderr).toBe(0);
    expect(loud.stdout).toMatch(
      /^table: Miles_per_Gallon: regression; reads Cylinders \(numeric\)/m,
    );
    expect(loud.stdout).toMatch(/skips Name \(text: free text/);
    expect(loud.stdout).toMatch(/on 318 rows \(80 held out\)/);
    expect(loud.stdout).toMatch(
      /held-out evaluation:\n {2}evaluation on 80 held-out rows\n {4}MAE/,
    );
  });

  it('predicts a raw CSV by header name, and its answers on the held-out rows are the evaluation', () => {
    const run = runCli([
      'predict',
      join(scratch.dir, 'cars.model.json'),
      join(scratch.dir, 'cars.csv'),
    ]);
    expect(run.status, run.stderr).toBe(0);
    const { outputs } = JSON.parse(run.stdout) as { outputs: number[][] };
    expect(outputs).toHaveLength(406); // every row, blank labels and horsepower included
    // the rows the upload kept (label present), then the job's held-out rows among them
    const rows = parse(carsCsv, { columns: true }) as Record<string, string>[];
    const kept = rows.map((r, i) => [r, i] as const).filter(([r]) => r.Miles_per_Gallon !== '');
    const { test } = testSplitOf(kept.length, 0.2, 1);
    const errors = Array.from(test, (k) => {
      const [row, i] = kept[k]!;
      return Math.abs(outputs[i]![0]! - Number(row.Miles_per_Gallon));
    });
    const mae = errors.reduce((a, b) => a + b, 0) / errors.length;
    expect(mae).toBeCloseTo(model().evaluation.mae, 4);
  });

  it('refuses a word where a number belongs, naming the row and the column', () => {
    scratch.write('bad.csv', 'Horsepower,Origin\n130,USA\nfast,Japan\n');
    const run = runCli([
      'predict',
      join(scratch.dir, 'cars.model.json'),
      join(scratch.dir, 'bad.csv'),
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/rows\.1\.Horsepower: must be a number/);
  });
});
