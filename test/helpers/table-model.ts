// Table models built by hand (issue 14), for the predict tests: a fitted preprocessing of three
// columns — numeric Horsepower, categorical Origin, datetime Year — with known statistics, known
// weights, and a target (class names, or a standardised value). Its inputs and outputs are also
// computed here by hand in float64, from the layout in src/data/preprocess/steps.ts, so a test
// can check the service's answers against them. Stored through the real model store.
import { defaultTenant } from '../../src/config.js';
import { newId } from '../../src/ids.js';
import {
  defaultPreprocessOptions,
  type ModelDocument,
  modelFormat,
  modelSchema,
  type NetworkSpec,
  type Preprocessor,
  type TargetEncoding,
} from '../../src/spec/index.js';
import { connectRedis, createStores, type StoredModel } from '../../src/store/index.js';
import type { TestService } from './service.js';

export const yearFill = Date.UTC(1976, 6, 1);

export const preprocessing: Preprocessor = {
  missingTokens: ['NA', '?'],
  columns: [
    { name: 'Horsepower', type: 'numeric', fill: 95, mean: 100, std: 20, indicator: false },
    {
      name: 'Origin',
      type: 'categorical',
      categories: ['USA', 'Japan'],
      slots: 2,
      fill: 'USA',
      missingSlot: false,
    },
    { name: 'Year', type: 'datetime', fill: yearFill, yearMean: 1976, yearStd: 3, hours: false },
  ],
  skipped: [{ name: 'Name', type: 'text', reason: 'free text: every value differs' }],
  width: 9,
  inputNames: [
    'Horsepower',
    'Origin=USA',
    'Origin=Japan',
    'Origin (other)',
    'Year (year)',
    'Year (month sin)',
    'Year (month cos)',
    'Year (weekday sin)',
    'Year (weekday cos)',
  ],
  options: defaultPreprocessOptions,
};

export const classNames = ['low', 'mid', 'high'];
const classTarget: TargetEncoding = {
  name: 'Economy',
  task: 'classification',
  classes: classNames,
};
const valueTarget: TargetEncoding = {
  name: 'Miles_per_Gallon',
  task: 'regression',
  mean: 23,
  std: 7.5,
};

// Weights from a formula: W_k is [D_k][D_k-1], every entry distinct and of either sign.
const matrix = (rows: number, cols: number, seed: number) =>
  Array.from({ length: rows }, (_, j) =>
    Array.from({ length: cols }, (_, i) => Math.round(Math.sin(seed + 7 * j + i) * 1000) / 1000),
  );
const vector = (n: number, seed: number) =>
  Array.from({ length: n }, (_, j) => Math.round(Math.cos(seed + j) * 100) / 200);

const classifierNetwork: NetworkSpec = {
  inputSize: 9,
  layers: [
    { units: 4, activation: 'tanh' },
    { units: 3, activation: 'softmax' },
  ],
  divergence: 'cross_entropy',
};
const regressorNetwork: NetworkSpec = {
  inputSize: 9,
  layers: [{ units: 1, activation: 'identity' }],
  divergence: 'l2',
};

function document(network: NetworkSpec, target: TargetEncoding, seed: number): ModelDocument {
  const widths = [network.inputSize, ...network.layers.map((l) => l.units)];
  const weights = network.layers.map((l, k) => ({
    W: matrix(l.units, widths[k]!, seed + k),
    b: vector(l.units, seed + k),
  }));
  return modelSchema.parse({
    format: modelFormat,
    createdAt: '2025-01-01T00:00:00.000Z',
    network,
    training: {},
    weights,
    scaler: null,
    preprocessing,
    target,
    metrics: {
      epochs: 1,
      stopReason: 'epochs',
      stopMessage: 'built by hand',
      trainRows: 10,
      validationRows: 0,
      durationMs: 1,
    },
    history: [],
  });
}

export const classifierDocument = () => document(classifierNetwork, classTarget, 1);
export const regressorDocument = () => document(regressorNetwork, valueTarget, 5);

/** Saves `doc` through the model store, as a worker would; returns its id. */
export async function storeDocument(
  service: TestService,
  doc: ModelDocument,
  tenant = defaultTenant,
): Promise<string> {
  const stored: StoredModel = { ...doc, id: newId(), jobId: newId() };
  const redis = connectRedis(service.config.redisUrl);
  await createStores(redis, service.config.keyPrefix, tenant).models.save(stored);
  await redis.quit();
  return stored.id;
}

/** A cell as the test writes it: a value, or left out of the record. */
export interface CarRecord {
  Horsepower?: number | string | null;
  Origin?: string | null;
  Year?: string | null;
}

const missing = (v: unknown) =>
  v === undefined || v === null || v === '' || v === 'NA' || v === '?';

/** The 9 inputs of one record, by hand: standardised number, one-hot origin, calendar year. */
export function inputsByHand(record: CarRecord): number[] {
  const hp = missing(record.Horsepower) ? 95 : Number(record.Horsepower);
  const origin = missing(record.Origin) ? 'USA' : record.Origin!;
  const slot = origin === 'USA' ? 0 : origin === 'Japan' ? 1 : 2;
  const ms = missing(record.Year) ? yearFill : Date.parse(`${record.Year}T00:00:00Z`);
  const date = new Date(ms);
  const y = date.getUTCFullYear();
  const year = y + (ms - Date.UTC(y, 0, 1)) / (Date.UTC(y + 1, 0, 1) - Date.UTC(y, 0, 1));
  const month = (2 * Math.PI * date.getUTCMonth()) / 12;
  const weekday = (2 * Math.PI * date.getUTCDay()) / 7;
  return [
    (hp - 100) / 20,
    slot === 0 ? 1 : 0,
    slot === 1 ? 1 : 0,
    slot === 2 ? 1 : 0,
    (year - 1976) / 3,
    Math.sin(month),
    Math.cos(month),
    Math.sin(weekday),
    Math.cos(weekday),
  ];
}

/** The forward pass in float64: tanh, softmax or identity layers, z = W y + b. */
export function forwardByHand(doc: ModelDocument, x: number[]): number[] {
  let y = x;
  doc.network.layers.forEach((layer, k) => {
    const { W, b } = doc.weights[k]!;
    const z = W.map((row, j) => row.reduce((s, w, i) => s + w * y[i]!, b[j]!));
    if (layer.activation === 'tanh') y = z.map(Math.tanh);
    else if (layer.activation === 'softmax') {
      const top = Math.max(...z);
      const e = z.map((v) => Math.exp(v - top));
      const sum = e.reduce((s, v) => s + v, 0);
      y = e.map((v) => v / sum);
    } else y = z;
  });
  return y;
}
