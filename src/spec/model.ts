// The trained model as a JSON document: the network spec, weights in the notes' convention
// (W_k is [D_k][D_{k-1}], b_k is [D_k]), the input scaler, class values and metrics. The CLI
// writes it; predict and the API read it back through `modelSchema`.
import { z } from 'zod';
import type { Model, Parameters, Scaler, TrainOptions, TrainResult } from '../engine/index.js';
import { layersOf } from '../engine/index.js';
import type { Issue } from '../errors.js';
import { type Evaluation, evaluationSchema } from './evaluation.js';
import { type NetworkSpec, networkSchema } from './network.js';
import {
  type Preprocessor,
  preprocessorSchema,
  type TargetEncoding,
  targetEncodingSchema,
} from './preprocessing.js';

export const modelFormat = 'backprop-model/1';

const matrix = z.array(z.array(z.number()));
export const weightsSchema = z.array(z.strictObject({ W: matrix, b: z.array(z.number()) }));
export type WeightsJson = z.infer<typeof weightsSchema>;

/** One metric over the folds of a cross-validation: each fold's value, their mean and spread. */
const foldSummarySchema = z.object({
  mean: z.number(),
  std: z.number().describe('population standard deviation over the folds (ddof 0, as numpy)'),
  values: z.array(z.number()).describe("each fold's value, fold 0 first"),
});

/** What a cross-validated job's folds measured (issue 17, training.crossValidation). */
export const crossValidationMetricsSchema = z.object({
  folds: z.number().int(),
  jobIds: z.array(z.string()).describe('the fold jobs, fold 0 first'),
  metrics: z
    .record(z.string(), foldSummarySchema)
    .describe(
      "error, validationError, accuracy, validationAccuracy (those the folds report): each fold's final value, their mean and population standard deviation (ddof 0)",
    ),
});
export type CrossValidationMetrics = z.infer<typeof crossValidationMetricsSchema>;

export const metricsSchema = z.object({
  epochs: z.number().int(),
  stopReason: z.string(),
  stopMessage: z.string(),
  error: z.number().optional(),
  validationError: z.number().optional(),
  accuracy: z.number().optional(),
  validationAccuracy: z.number().optional(),
  bestEpoch: z.number().int().optional(),
  trainRows: z.number().int(),
  validationRows: z.number().int(),
  durationMs: z.number(),
  /** The kernels that trained it: wasm-simd, or the typescript fallback. */
  kernel: z.string().optional(),
  /** The threads that trained it. */
  threads: z.number().int().optional(),
  /** The evaluation's headline numbers on the held-out rows (the job's `done` event carries them). */
  test: z
    .object({
      rows: z.number().int(),
      accuracy: z.number().optional(),
      logLoss: z.number().optional(),
      macroF1: z.number().optional(),
      rocAuc: z.number().optional(),
      mae: z.number().optional(),
      rmse: z.number().optional(),
      r2: z.number().optional(),
    })
    .optional(),
  /** A cross-validated job's model (training.crossValidation): what its folds measured. */
  crossValidation: crossValidationMetricsSchema.optional(),
});

/** The numbers of an evaluation a report leads with. */
export function headlineOf(e: Evaluation): NonNullable<ModelMetrics['test']> {
  if (e.task === 'regression') return { rows: e.rows, mae: e.mae, rmse: e.rmse, r2: e.r2 };
  return {
    rows: e.rows,
    accuracy: e.accuracy,
    logLoss: e.logLoss,
    macroF1: e.macroF1,
    ...(e.rocAuc !== undefined ? { rocAuc: e.rocAuc } : {}),
  };
}
export type ModelMetrics = z.infer<typeof metricsSchema>;

/**
 * What a model was trained from and what came out (issue 15): enough to retrain it and compare.
 * `spec` is the job's spec as recorded: the complete network, the dataset's reference, the
 * resolved training with its seed.
 */
export const receiptSchema = z
  .object({
    datasetSha256: z.string(),
    spec: z.object({
      network: networkSchema,
      dataset: z.record(z.string(), z.unknown()),
      training: z.record(z.string(), z.unknown()),
    }),
    seed: z.number().int(),
    engineVersion: z.string(),
    weightsSha256: z.string(),
  })
  .meta({ id: 'Receipt' });
export type Receipt = z.infer<typeof receiptSchema>;

export const modelSchema = z.object({
  format: z.literal(modelFormat, { error: `must be "${modelFormat}": is this a model file?` }),
  createdAt: z.string(),
  network: networkSchema,
  training: z.record(z.string(), z.unknown()),
  weights: weightsSchema,
  scaler: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).nullable(),
  classes: z.array(z.union([z.number(), z.string()])).optional(),
  featureNames: z.array(z.string()).optional(),
  /** Table models (issue 14): what turns a record into inputs, fitted on the training rows. */
  preprocessing: preprocessorSchema.optional(),
  /** Table models: the label's classes, or the target's scaling. */
  target: targetEncodingSchema.optional(),
  /** On the held-out rows (training.testSplit), when there were any. */
  evaluation: evaluationSchema.optional(),
  /** Models trained since issue 15: the data's and the weights' SHA-256, the spec, the seed. */
  receipt: receiptSchema.optional(),
  metrics: metricsSchema,
  history: z.array(
    z.object({ epoch: z.number(), error: z.number(), validationError: z.number().optional() }),
  ),
});
export type ModelDocument = z.infer<typeof modelSchema>;

/** Float32 parameters to nested arrays in the notes' convention. */
export function weightsToJson(network: NetworkSpec, params: Parameters): WeightsJson {
  return layersOf(network).map((l, k) => ({
    W: Array.from({ length: l.units }, (_, j) =>
      Array.from(params.W[k]!.subarray(j * l.nIn, (j + 1) * l.nIn)),
    ),
    b: Array.from(params.b[k]!),
  }));
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Every place the weights' shapes differ from the network's, with paths under `weights`. */
export function checkWeights(network: NetworkSpec, weights: WeightsJson): Issue[] {
  const issues: Issue[] = [];
  const layers = layersOf(network);
  if (weights.length !== layers.length) {
    return [
      {
        path: 'weights',
        message: `gives ${count(weights.length, 'layer')} but the network has ${count(layers.length, 'layer')}: give one {W, b} per layer`,
      },
    ];
  }
  layers.forEach((l, k) => {
    const { W, b } = weights[k]!;
    if (W.length !== l.units || W.some((row) => row.length !== l.nIn)) {
      issues.push({
        path: `weights.${k}.W`,
        message: `must be ${count(l.units, 'row')} of ${count(l.nIn, 'number')} ([D_k][D_k-1]: one row per unit of layer ${k + 1})`,
      });
    }
    if (b.length !== l.units)
      issues.push({
        path: `weights.${k}.b`,
        message: `must have ${count(l.units, 'number')}, one per unit`,
      });
  });
  return issues;
}

/** Nested arrays (already shape-checked) back to float32 parameters. */
export function weightsFromJson(weights: WeightsJson): Parameters {
  return {
    W: weights.map((w) => Float32Array.from(w.W.flat())),
    b: weights.map((w) => Float32Array.from(w.b)),
  };
}

export function modelFromDocument(doc: ModelDocument): Model {
  return {
    shape: doc.network,
    params: weightsFromJson(doc.weights),
    scaler: doc.scaler as Scaler | null,
  };
}

export interface ModelParts {
  network: NetworkSpec;
  training: TrainOptions;
  result: TrainResult;
  classes?: (string | number)[] | undefined;
  featureNames?: string[] | undefined;
  preprocessing?: Preprocessor | undefined;
  target?: TargetEncoding | undefined;
  evaluation?: Evaluation | undefined;
  receipt?: Receipt | undefined;
  history: ModelDocument['history'];
  durationMs: number;
  createdAt?: Date;
}

/** The document a trained model is saved and served as. */
export function createModelDocument(parts: ModelParts): ModelDocument {
  const { result } = parts;
  const final = result.final;
  const metrics: ModelMetrics = {
    epochs: result.epochs,
    stopReason: result.reason,
    stopMessage: result.message,
    trainRows: result.trainRows,
    validationRows: result.validationRows,
    durationMs: Math.round(parts.durationMs),
    kernel: result.kernel,
    threads: result.threads,
    ...(final ? { error: final.error } : {}),
    ...(final?.validationError !== undefined ? { validationError: final.validationError } : {}),
    ...(final?.accuracy !== undefined ? { accuracy: final.accuracy } : {}),
    ...(final?.validationAccuracy !== undefined
      ? { validationAccuracy: final.validationAccuracy }
      : {}),
    ...(result.bestEpoch !== undefined ? { bestEpoch: result.bestEpoch } : {}),
    ...(parts.evaluation ? { test: headlineOf(parts.evaluation) } : {}),
  };
  return {
    format: modelFormat,
    createdAt: (parts.createdAt ?? new Date()).toISOString(),
    network: parts.network,
    training: { ...parts.training },
    weights: weightsToJson(parts.network, result.params),
    scaler: result.scaler,
    ...(parts.classes ? { classes: parts.classes } : {}),
    ...(parts.featureNames ? { featureNames: parts.featureNames } : {}),
    ...(parts.preprocessing ? { preprocessing: parts.preprocessing } : {}),
    ...(parts.target ? { target: parts.target } : {}),
    ...(parts.evaluation ? { evaluation: parts.evaluation } : {}),
    ...(parts.receipt ? { receipt: parts.receipt } : {}),
    metrics,
    history: parts.history,
  };
}
