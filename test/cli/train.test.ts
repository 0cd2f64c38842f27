// `backprop train` and `backprop predict` end to end in child processes: the model file, the
// per-epoch lines, predictions that match the engine, and exit codes for bad input.
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBuiltin, rowsOf } from '../../src/data/index.js';
import { evaluate, predict } from '../../src/engine/index.js';
import { modelFromDocument, modelSchema } from '../../src/spec/index.js';
import { irisJob as irisJobOf, runCli, scratchFolder } from '../helpers/cli.js';

const scratch = scratchFolder('backprop-cli');
const { dir, write } = scratch;
afterAll(() => scratch.remove());

const irisJob = irisJobOf({ epochs: 40, seed: 5 });

describe('backprop train', () => {
  const job = write('iris.json', irisJob);
  const run = runCli(['train', job]);
  const modelPath = join(dir, 'iris.model.json');

  it('prints one line per epoch and writes <job>.model.json', () => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const epochLines = run.stdout.split('\n').filter((l) => l.startsWith('epoch '));
    expect(epochLines).toHaveLength(40);
    expect(epochLines[39]).toMatch(
      /^epoch 40\/40 {2}error \d+\.\d{6} {2}accuracy \d+\.\d% {2}[\d,]+ samples\/s$/,
    );
    expect(run.stdout).toContain(`model written to ${modelPath}`);
    expect(run.stdout).toContain(`(wasm-relaxed-simd kernels, 1 thread)`);
  });

  it('writes a model with the spec, weights in the notes’ shape, scaler, classes and metrics', () => {
    const doc = modelSchema.parse(JSON.parse(readFileSync(modelPath, 'utf8')));
    expect(doc.weights[0]!.W).toHaveLength(8); // [D_1][D_0]
    expect(doc.weights[0]!.W[0]).toHaveLength(4);
    expect(doc.weights[1]!.W).toHaveLength(3);
    expect(doc.weights[1]!.b).toHaveLength(3);
    expect(doc.scaler!.mean).toHaveLength(4);
    expect(doc.classes).toEqual([0, 1, 2]);
    expect(doc.training).toMatchObject({
      epochs: 40,
      seed: 5,
      tolerance: 1e-7,
      validationSplit: 0,
    });
    expect(doc.metrics).toMatchObject({
      epochs: 40,
      stopReason: 'max_epochs',
      trainRows: 112,
      kernel: 'wasm-relaxed-simd', // the CLI turns relaxed SIMD on (Node 20) or has it (22+)
    });
    expect(doc.history).toHaveLength(40);
    expect(doc.metrics.error).toBe(doc.history[39]!.error);
    // the trained model does what it says on the held-out rows
    const test = loadBuiltin('iris', 'test');
    const accuracy = evaluate(
      modelFromDocument(doc),
      test.inputs,
      test.targets,
      test.rows,
    ).accuracy;
    expect(accuracy).toBeGreaterThanOrEqual(0.85);
  });

  it('gives the same weights for the same seed', () => {
    const again = runCli(['train', job, '--out', join(dir, 'again.json'), '--quiet']);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('');
    const a = JSON.parse(readFileSync(modelPath, 'utf8'));
    const b = JSON.parse(readFileSync(join(dir, 'again.json'), 'utf8'));
    expect(b.weights).toEqual(a.weights);
  });

  it('trains on two threads with --threads 2: the same weights every time, near one thread’s', () => {
    const runs = ['t2a.json', 't2b.json'].map((name) => {
      const r = runCli(['train', job, '--threads', '2', '--out', join(dir, name)]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('seed 5, 2 threads');
      expect(r.stdout).toContain(`(wasm-relaxed-simd kernels, 2 threads)`);
      return modelSchema.parse(JSON.parse(readFileSync(join(dir, name), 'utf8')));
    });
    expect(runs[0]!.metrics.threads).toBe(2);
    expect(runs[0]!.training.threads).toBe(2);
    expect(runs[1]!.weights).toEqual(runs[0]!.weights);
    const one = JSON.parse(readFileSync(modelPath, 'utf8'));
    expect(one.metrics.threads).toBe(1);
    expect(runs[0]!.metrics.error).toBeCloseTo(one.metrics.error, 3);
    expect(runs[0]!.weights).not.toEqual(one.weights); // summed in another order
  });

  it('runs the plain SIMD kernels with WASM_RELAXED_SIMD=0 (on Node 20, where relaxed needs a flag)', () => {
    const r = runCli(['train', job, '--out', join(dir, 'plain.json')], undefined, {
      WASM_RELAXED_SIMD: '0',
    });
    expect(r.status).toBe(0);
    const major = Number(process.versions.node.split('.')[0]);
    expect(r.stdout).toContain(
      `(${major < 22 ? 'wasm-simd' : 'wasm-relaxed-simd'} kernels, 1 thread)`,
    );
    // and it trains the same model up to float32 rounding
    const plain = JSON.parse(readFileSync(join(dir, 'plain.json'), 'utf8'));
    const relaxed = JSON.parse(readFileSync(modelPath, 'utf8'));
    expect(plain.metrics.error).toBeCloseTo(relaxed.metrics.error, 4);
  });

  it('reads a CSV dataset relative to the job file', () => {
    write(
      'line.csv',
      `x,y\n${Array.from({ length: 20 }, (_, i) => `${i / 10},${(3 * i) / 10 + 1}`).join('\n')}\n`,
    );
    const csvJob = write('line.json', {
      network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      dataset: { csv: 'line.csv', targets: ['y'] },
      training: { epochs: 200, learningRate: 0.3, seed: 1 },
    });
    const r = runCli(['train', csvJob, '-q'], tmpdir());
    expect(r.status).toBe(0);
    const doc = JSON.parse(readFileSync(join(dir, 'line.model.json'), 'utf8'));
    expect(doc.metrics.error).toBeLessThan(1e-4);
    // y = 3x + 1 on standardised x: W = 3·std(x), b = 3·mean(x) + 1
    expect(doc.weights[0].W[0][0] / doc.scaler.std[0]).toBeCloseTo(3, 2);
  });
});

describe('backprop predict', () => {
  const modelPath = join(dir, 'iris.model.json');
  const rows = [
    [5.1, 3.5, 1.4, 0.2],
    [6.7, 3.0, 5.2, 2.3],
  ];

  it('prints outputs and classes for CSV inputs, equal to the engine’s', () => {
    const csv = write('in.csv', `a,b,c,d\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    // the same kernels as this test process (plain SIMD on Node 20), for exact equality
    const r = runCli(['predict', modelPath, csv], undefined, { WASM_RELAXED_SIMD: '0' });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    const doc = modelSchema.parse(JSON.parse(readFileSync(modelPath, 'utf8')));
    const expected = rowsOf(
      predict(modelFromDocument(doc), Float32Array.from(rows.flat()), 2),
      2,
      3,
    );
    expect(out.outputs).toEqual(expected);
    expect(out.classes).toEqual([0, 2]);
  });

  it('takes JSON rows, bare or as {inputs}', () => {
    const bare = runCli(['predict', modelPath, write('in.json', rows)]);
    const wrapped = runCli(['predict', modelPath, write('in2.json', { inputs: rows })]);
    expect(bare.status).toBe(0);
    expect(JSON.parse(wrapped.stdout)).toEqual(JSON.parse(bare.stdout));
  });

  it('reads the model’s feature columns by name from a CSV with extra columns', () => {
    const iris = fileURLToPath(new URL('../../datasets/iris.csv', import.meta.url));
    const all = runCli(['predict', modelPath, iris]);
    expect(all.status).toBe(0);
    const labels = readFileSync(iris, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[4]));
    const predicted: number[] = JSON.parse(all.stdout).classes;
    expect(predicted).toHaveLength(150);
    expect(predicted.filter((c, i) => c === labels[i]).length).toBeGreaterThan(135);
    // columns in another order, by name
    const shuffled = write(
      'reordered.csv',
      `label,petal_width_cm,petal_length_cm,sepal_width_cm,sepal_length_cm\n9,${rows[1]!.slice().reverse().join(',')}\n`,
    );
    const one = runCli(['predict', modelPath, shuffled]);
    expect(JSON.parse(one.stdout).classes).toEqual([2]); // virginica, as read in the natural order above
  });

  it('exits 2 naming the expected width', () => {
    const r = runCli(['predict', modelPath, write('narrow.json', [[1, 2, 3]])]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('the model expects 4');
  });
});

describe('bad input: exit 2, one line, nothing written', () => {
  const cases: [string, () => string[], RegExp][] = [
    [
      'a spec whose inputSize does not fit the data',
      () => [
        'train',
        write('wide.json', { ...irisJob, network: { ...irisJob.network, inputSize: 5 } }),
      ],
      /network\.inputSize: is 5 but the dataset has 4 feature columns: set inputSize to 4/,
    ],
    [
      'cross_entropy after relu',
      () => [
        'train',
        write('relu.json', {
          ...irisJob,
          network: { ...irisJob.network, layers: [{ units: 3, activation: 'relu' }] },
        }),
      ],
      /network\.divergence: cross_entropy needs probabilities/,
    ],
    [
      'a missing job file',
      () => ['train', join(dir, 'missing.json')],
      /cannot read job file .*: no such file/,
    ],
    [
      'a job file that is not JSON',
      () => ['train', write('broken.json', '{"network":')],
      /is not valid JSON/,
    ],
    ['an unknown command', () => ['fly'], /unknown command 'fly'/],
    [
      'a thread count that is not one',
      () => ['train', write('iris-t.json', irisJob), '--threads', '0'],
      /--threads.*must be a whole number from 1 to 64, or "auto"/,
    ],
    [
      'a spec asking for too many threads',
      () => ['train', write('t65.json', { ...irisJob, training: { threads: 65 } })],
      /training\.threads.*must be at most 64/,
    ],
    [
      'a spec asking for cross-validation, which runs on the service',
      () => [
        'train',
        write('cv.json', { ...irisJob, training: { crossValidation: { folds: 5 } } }),
      ],
      /training\.crossValidation: runs on the service.*backprop submit/,
    ],
    [
      'a model file that is not a model',
      () => ['predict', write('notmodel.json', irisJob), write('x.json', [[1]])],
      /format/,
    ],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const argv = args();
      const r = runCli(argv);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
      if (argv[0] === 'train' && argv[1])
        expect(existsSync(argv[1].replace(/\.json$/, '.model.json'))).toBe(false);
    });
  }

  it('a diverging run exits 1 and writes no model', () => {
    const job = write('diverge.json', {
      network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      dataset: { generator: 'sine' },
      training: { learningRate: 900, epochs: 50 },
    });
    const r = runCli(['train', job, '-q']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^backprop: training diverged at epoch \d+: .*; no model written\n$/);
    expect(existsSync(join(dir, 'diverge.model.json'))).toBe(false);
  });
});
