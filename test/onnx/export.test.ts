// exportOnnx against our own predict: each exported model run in onnxruntime-node (CPU) must give
// our answers within 1e-5 — matrix models (iris, digits, every activation) and table models
// (cars regression with blanks and an unseen category, penguins classes); a datetime column is
// refused naming it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { decodeOutputs, transformRecords } from '../../src/data/preprocess/transform.js';
import { prepareJob } from '../../src/data/resolve.js';
import { predict, train } from '../../src/engine/index.js';
import { exportOnnx, OnnxUnsupported } from '../../src/onnx/export.js';
import {
  createModelDocument,
  type ModelDocument,
  modelFromDocument,
} from '../../src/spec/model.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function trainDoc(job: object): { doc: ModelDocument; inputs: Float32Array; rows: number } {
  const { job: resolved, data, rows } = prepareJob(job, { allowFiles: true, baseDir: root });
  const result = train(resolved.network, data, resolved.training);
  const { preprocessing, target } = rows;
  const doc = createModelDocument({
    network: resolved.network,
    training: resolved.training,
    result,
    classes: target?.task === 'classification' ? target.classes : data.classes,
    preprocessing,
    target,
    history: [],
    durationMs: 0,
  });
  return { doc, inputs: data.inputs, rows: data.rows };
}

async function run(doc: ModelDocument, feeds: Record<string, Tensor>) {
  const session = await InferenceSession.create(exportOnnx(doc));
  return session.run(feeds);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>) {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    worst = Math.max(worst, Math.abs(actual[i]! - e) / Math.max(1, Math.abs(e)));
  }
  expect(worst).toBeLessThan(1e-5);
}

function argmax(y: Float32Array, rows: number, k: number): number[] {
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (y[r * k + j]! > y[r * k + best]!) best = j;
    return best;
  });
}

async function checkMatrix(job: object) {
  const { doc, inputs, rows } = trainDoc(job);
  const ours = predict(modelFromDocument(doc), inputs, rows);
  const out = await run(doc, {
    input: new Tensor('float32', inputs, [rows, doc.network.inputSize]),
  });
  return { doc, ours, out, rows };
}

describe('exportOnnx: matrix models', () => {
  it('iris (maxout, softmax): probabilities and class labels as ours', async () => {
    const { doc, ours, out, rows } = await checkMatrix({
      dataset: { builtin: 'iris' },
      network: {
        layers: [
          { units: 8, activation: 'maxout', groups: 2 },
          { units: 3, activation: 'softmax' },
        ],
        divergence: 'cross_entropy',
      },
      training: { epochs: 30 },
    });
    expect(out.probabilities!.dims).toEqual([rows, 3]);
    expectClose(out.probabilities!.data as Float32Array, ours);
    const classes = doc.classes!;
    expect(Array.from(out.label!.data as ArrayLike<unknown>)).toEqual(
      argmax(ours, rows, 3).map((i) => classes[i]),
    );
  });

  it('digits (relu, softmax): 64 inputs, 10 classes', async () => {
    const { doc, ours, out, rows } = await checkMatrix({
      dataset: { builtin: 'digits' },
      network: {
        layers: [
          { units: 16, activation: 'relu' },
          { units: 10, activation: 'softmax' },
        ],
        divergence: 'cross_entropy',
      },
      training: { epochs: 5 },
    });
    expectClose(out.probabilities!.data as Float32Array, ours);
    const labels = Array.from(out.label!.data as ArrayLike<unknown>);
    expect(labels).toEqual(argmax(ours, rows, 10).map((i) => doc.classes![i]));
  });

  it('every scalar activation, l2: `value` as ours', async () => {
    const { ours, out } = await checkMatrix({
      dataset: { builtin: 'iris' },
      network: {
        layers: [
          { units: 6, activation: 'leaky_relu', alpha: 0.2 },
          { units: 6, activation: 'softplus' },
          { units: 6, activation: 'elu' },
          { units: 6, activation: 'tanh' },
          { units: 6, activation: 'identity' },
          { units: 3, activation: 'sigmoid' },
        ],
        divergence: 'l2',
      },
      training: { epochs: 10 },
    });
    const y = (out.value ?? out.probabilities)!;
    expectClose(y.data as Float32Array, ours);
  });

  it('targets without classes: `label` is the int64 index of the highest output', async () => {
    const { doc, ours, out, rows } = await checkMatrix({
      dataset: {
        inputs: [
          [0, 0],
          [0, 1],
          [1, 0],
          [1, 1],
        ],
        targets: [
          [1, 0],
          [0, 1],
          [0, 1],
          [1, 0],
        ],
      },
      network: {
        layers: [
          { units: 4, activation: 'tanh' },
          { units: 2, activation: 'softmax' },
        ],
        divergence: 'cross_entropy',
      },
      training: { epochs: 50, validationSplit: 0 },
    });
    expect(doc.classes).toBeUndefined();
    expectClose(out.probabilities!.data as Float32Array, ours);
    expect(out.label!.type).toBe('int64');
    expect(Array.from(out.label!.data as BigInt64Array, Number)).toEqual(argmax(ours, rows, 2));
  });
});

// Records with blanks, missing tokens and categories the training rows never had.
type Row = Record<string, string>;

function csvRecords(path: string, count: number): Row[] {
  const [head, ...lines] = readFileSync(`${root}/${path}`, 'utf8').trim().split('\n');
  const header = head!.split(',');
  return lines.slice(0, count).map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

/** The ONNX feeds of records: one [N, 1] tensor per column, NaN or "" for a missing cell. */
function feedsOf(doc: ModelDocument, records: Row[]): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const step of doc.preprocessing!.columns) {
    const cells = records.map((r) => (r[step.name] ?? '').trim());
    if (step.type === 'categorical') {
      feeds[step.name] = new Tensor('string', cells, [records.length, 1]);
    } else {
      const missing = new Set(['', 'na', 'n/a', 'nan', 'null', '?']);
      const words: Record<string, number> = { yes: 1, no: 0, true: 1, false: 0 };
      const values = Float32Array.from(cells, (c) =>
        missing.has(c.toLowerCase()) ? Number.NaN : (words[c.toLowerCase()] ?? Number(c)),
      );
      feeds[step.name] = new Tensor('float32', values, [records.length, 1]);
    }
  }
  return feeds;
}

describe('exportOnnx: table models', () => {
  it('cars regression: blanks imputed, unseen origin to "other", value in miles per gallon', async () => {
    const { doc } = trainDoc({
      dataset: {
        csv: 'test/fixtures/cars.csv',
        label: 'Miles_per_Gallon',
        columns: { Year: 'ignored' },
        preprocessing: { missingIndicator: true },
      },
      network: {
        layers: [
          { units: 8, activation: 'tanh' },
          { units: 1, activation: 'identity' },
        ],
      },
      training: { epochs: 20 },
    });
    const pre = doc.preprocessing!;
    expect(pre.columns.map((c) => c.type)).toContain('categorical');
    const records: Row[] = [
      ...csvRecords('test/fixtures/cars.csv', 60),
      {
        Cylinders: '',
        Displacement: '',
        Horsepower: '',
        Weight_in_lbs: '',
        Acceleration: '',
        Origin: '',
      },
      {
        Cylinders: '4',
        Displacement: '97',
        Horsepower: 'NA',
        Weight_in_lbs: '2100',
        Acceleration: '16',
        Origin: 'Mars',
      },
      {
        Cylinders: '6',
        Displacement: '200',
        Horsepower: '95',
        Weight_in_lbs: '3000',
        Acceleration: '15',
        Origin: 'Japan',
      },
    ];
    const { inputs, rows } = transformRecords(pre, records, 'records', 'Miles_per_Gallon');
    const target = doc.target!;
    if (target.task !== 'regression') throw new Error('cars should be a regression');
    const ours = decodeOutputs(target, predict(modelFromDocument(doc), inputs, rows), rows);
    const out = await run(doc, feedsOf(doc, records));
    expect(out.value!.dims).toEqual([rows, 1]);
    expectClose(out.value!.data as Float32Array, ours.predictions);
  });

  it('penguins classes: probabilities and species names as ours, with blanks and an unseen island', async () => {
    const { doc } = trainDoc({
      dataset: {
        csv: 'bench/data/penguins.csv',
        label: 'Species',
        preprocessing: { categoricalImpute: 'missing' },
      },
      network: {
        layers: [
          { units: 8, activation: 'relu' },
          { units: 3, activation: 'softmax' },
        ],
        divergence: 'cross_entropy',
      },
      training: { epochs: 20 },
    });
    const pre = doc.preprocessing!;
    const records: Row[] = [
      ...csvRecords('bench/data/penguins.csv', 400),
      { Island: 'Atlantis', 'Beak Length (mm)': '', Sex: '' },
      { Island: '', 'Beak Length (mm)': '45', 'Beak Depth (mm)': '?', Sex: 'NA' },
    ];
    const { inputs, rows } = transformRecords(pre, records, 'records', 'Species');
    const target = doc.target!;
    if (target.task !== 'classification') throw new Error('penguins should be classes');
    const ours = decodeOutputs(target, predict(modelFromDocument(doc), inputs, rows), rows);
    const out = await run(doc, feedsOf(doc, records));
    expect(out.probabilities!.dims).toEqual([rows, 3]);
    expectClose(out.probabilities!.data as Float32Array, ours.probabilities.flat());
    expect(Array.from(out.label!.data as ArrayLike<unknown>)).toEqual(ours.predictions);
  });

  it('a boolean column, missing indicators and numeric classes (labels as doubles)', async () => {
    const colors = ['red', 'green', 'blue', ''];
    const lines = ['size,flag,color,grade'];
    for (let i = 0; i < 90; i++) {
      const size = i % 7 === 0 ? '' : String((i * 37) % 50);
      const flag = i % 5 === 0 ? '' : i % 2 === 0 ? 'yes' : 'no';
      lines.push(`${size},${flag},${colors[i % 4]},${(i % 3) + 1}`);
    }
    const dir = mkdtempSync(join(tmpdir(), 'onnx-export-'));
    writeFileSync(join(dir, 'grades.csv'), `${lines.join('\n')}\n`);
    const { doc } = trainDoc({
      dataset: {
        csv: join(dir, 'grades.csv'),
        label: 'grade',
        task: 'classification',
        preprocessing: { missingIndicator: true, numericImpute: 'mean' },
      },
      network: {
        layers: [
          { units: 6, activation: 'elu' },
          { units: 3, activation: 'softmax' },
        ],
        divergence: 'cross_entropy',
      },
      training: { epochs: 20 },
    });
    const pre = doc.preprocessing!;
    expect(pre.columns.map((c) => c.type)).toEqual(['numeric', 'boolean', 'categorical']);
    const records: Row[] = [
      ...lines.slice(1).map((l) => {
        const [size, flag, color] = l.split(',');
        return { size: size!, flag: flag!, color: color! };
      }),
      { size: 'NaN', flag: '', color: 'purple' },
    ];
    const { inputs, rows } = transformRecords(pre, records, 'records', 'grade');
    const target = doc.target!;
    if (target.task !== 'classification') throw new Error('grades should be classes');
    expect(target.classes).toEqual([1, 2, 3]);
    const ours = decodeOutputs(target, predict(modelFromDocument(doc), inputs, rows), rows);
    const out = await run(doc, feedsOf(doc, records));
    expectClose(out.probabilities!.data as Float32Array, ours.probabilities.flat());
    expect(out.label!.type).toBe('float64');
    expect(Array.from(out.label!.data as Float64Array)).toEqual(ours.predictions);
  });

  it('a datetime column is OnnxUnsupported naming it', () => {
    const { doc } = trainDoc({
      dataset: { csv: 'test/fixtures/cars.csv', label: 'Miles_per_Gallon' },
      training: { epochs: 1 },
    });
    expect(doc.preprocessing!.columns.some((c) => c.type === 'datetime')).toBe(true);
    let error: unknown;
    try {
      exportOnnx(doc);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OnnxUnsupported);
    expect((error as OnnxUnsupported).column).toBe('Year');
    expect((error as Error).message).toContain('"Year"');
  });
});
