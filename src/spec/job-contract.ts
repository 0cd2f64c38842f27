// The job's contract, defined once: what crosses the queue (the payload), what the store keeps
// (the record, its spec, statuses, events, failures) and what the API shows (the public view).
// zod schemas, types by z.infer. Not the spec a client sends (job.ts), not how a record sits in
// Redis (store/job-record.ts), not the moves between statuses (src/jobs/lifecycle.ts).
import { z } from 'zod';
import { optimizerNames } from '../engine/index.js';
import { derivedId } from '../ids.js';
import { builtinSchema, generatorSchema } from './dataset.js';
import { webhookSchema } from './job.js';
import { metricsSchema } from './model.js';
import { modelNamingSchema } from './model-ref.js';
import { networkSchema } from './network.js';
import { columnOverridesSchema, preprocessOptionsSchema, taskSchema } from './preprocessing.js';
import { objectiveMetrics } from './sweep.js';

/** The kinds of job the service runs; each has its file in src/jobs/ (kinds.ts lists them). */
export const jobKinds = ['training', 'batch-predictions'] as const;
export type JobKind = (typeof jobKinds)[number];

/** Where a job's rows come from: a stored dataset, a built-in set, or a seeded generator. */
export const datasetRefSchema = z.union([
  z.object({
    id: z.string(),
    columns: columnOverridesSchema.optional(),
    task: taskSchema.optional(),
    preprocessing: preprocessOptionsSchema.optional(),
  }),
  builtinSchema,
  generatorSchema,
]);
export type DatasetRef = z.infer<typeof datasetRefSchema>;

/** The training options with every default filled in and the seed fixed. */
export const resolvedTrainingSchema = z.object({
  epochs: z.number().int(),
  batchSize: z.union([z.literal('full'), z.number().int()]),
  learningRate: z.number(),
  optimizer: z.enum(optimizerNames),
  momentum: z.number(),
  beta1: z.number(),
  beta2: z.number(),
  epsilon: z.number(),
  weightDecay: z.number(),
  tolerance: z.number(),
  patience: z.number().int(),
  validationSplit: z.number(),
  shuffle: z.boolean(),
  standardize: z.boolean(),
  seed: z.number().int(),
  /** Jobs recorded before issue 14 held no rows out. */
  testSplit: z.number().default(0),
  /** Jobs recorded before threads existed ran on one. */
  threads: z.number().int().default(1),
  /** Warm-started jobs (issue 15): the model they started from. */
  initFrom: z.object({ model: z.string() }).optional(),
  /** Cross-validated jobs (issue 17): how many folds. */
  crossValidation: z.object({ folds: z.number().int() }).optional(),
});

/** Which fold of its parent's cross-validation a fold job trains (issue 17). */
export const foldSchema = z.object({
  index: z.number().int().describe('the fold it validates on, 0…folds−1'),
  folds: z.number().int().describe('how many folds its parent cross-validates on'),
});
export type Fold = z.infer<typeof foldSchema>;

/** The id of fold `index` of cross-validated job `parentId`: the same on every try, and known at once. */
export const foldJobId = (parentId: string, index: number) => derivedId(parentId, `fold-${index}`);

/**
 * What a reproduction job (POST /v1/models/:ref/reproduce, issue 15) retrains: the model, and
 * its receipt's hashes, engine version and kernels, to compare the new model with.
 */
export const reproducesSchema = z
  .object({
    model: z.string().describe('the model whose receipt the job retrains from'),
    weightsSha256: z.string().describe("the model's weights' SHA-256 (its receipt)"),
    datasetSha256: z.string().describe('the SHA-256 of the data it was trained on (its receipt)'),
    engineVersion: z.string().describe('the engine version that trained it'),
    kernel: z.string().optional().describe('the kernels that trained it (wasm-simd, …)'),
  })
  .meta({ id: 'Reproduces' });
export type Reproduces = z.infer<typeof reproducesSchema>;

/** Whether a reproduction job's model is the original's, bit for bit, and if not what differs. */
export const reproductionSchema = z
  .object({
    model: z.string().describe('the model reproduced'),
    expected: z.string().describe("the original's weightsSha256"),
    actual: z.string().describe("the new model's weightsSha256"),
    equal: z.boolean().describe('the weights are the same, bit for bit'),
    datasetSha256Equal: z.boolean().describe('the data read now hashes as it did then'),
    engineVersionEqual: z.boolean().describe('the same engine version trained both'),
    reasons: z
      .array(z.string())
      .describe('each way the retraining differed from the receipt, where known (empty: none)'),
  })
  .meta({ id: 'Reproduction' });
export type Reproduction = z.infer<typeof reproductionSchema>;

/** The spec as stored and queued: the data by reference, the training resolved. */
export const jobSpecRecordSchema = z.object({
  network: networkSchema,
  dataset: datasetRefSchema,
  training: resolvedTrainingSchema,
  /** Where the job's events are sent, signed with the tenant's secret. */
  webhook: webhookSchema.optional(),
  /** The name its model is registered under (issue 15). */
  model: modelNamingSchema.optional(),
  /** A reproduction job (issue 15): the model it retrains from the receipt of. */
  reproduces: reproducesSchema.optional(),
  /** A sweep's trial (issue 17): which, and how the sweep judges it. */
  sweep: z
    .object({
      id: z.string().describe('the sweep (GET /v1/sweeps/:id)'),
      index: z.number().int().describe("the trial's index in the sweep"),
      objective: z.object({
        metric: z.enum(objectiveMetrics),
        goal: z.enum(['minimize', 'maximize']),
      }),
      /** ASHA's rungs: a trial reaching one may be pruned (status `pruned`). */
      earlyStopping: z
        .object({ minEpochs: z.number().int(), reductionFactor: z.number().int() })
        .optional(),
    })
    .optional(),
});
export type JobSpecRecord = z.infer<typeof jobSpecRecordSchema>;

/**
 * What a client sends to POST /v1/models/:ref/batch-predictions: the stored dataset to score
 * (issue 15), and optionally a webhook.
 */
export const batchPredictionRequestSchema = z
  .strictObject({
    dataset: z.strictObject({
      id: z.string().min(1).max(64).describe('a stored dataset (POST /v1/datasets)'),
    }),
    webhook: webhookSchema.optional(),
  })
  .meta({ id: 'BatchPredictionRequest' });
export type BatchPredictionRequest = z.output<typeof batchPredictionRequestSchema>;

/** The request with the model reference of its route, as the kind checks it. */
export type BatchPredictionSubmit = BatchPredictionRequest & { model: string };

/**
 * A batch-predictions job's recorded spec (issue 15): the model pinned to the id its reference
 * named at submit, and the dataset it scores. `kind` tells it from a training spec.
 */
export const batchPredictionSpecSchema = z
  .object({
    kind: z.literal('batch-predictions'),
    model: z.object({
      id: z.string(),
      /** The reference as the client gave it (an id, NAME, NAME@VERSION or NAME@ALIAS). */
      ref: z.string(),
    }),
    dataset: z.object({ id: z.string() }),
    webhook: webhookSchema.optional(),
  })
  .meta({ id: 'BatchPredictionSpec' });
export type BatchPredictionSpec = z.infer<typeof batchPredictionSpecSchema>;

/**
 * The recorded spec of a job submitted on a dataset still processing (issue 16): what was
 * submitted, checked against the dataset (and replaced by its kind's spec) once it is ready.
 */
export const awaitingSpecSchema = z
  .object({
    kind: z.literal('awaiting-dataset'),
    /** The job's kind, once its dataset is ready. */
    for: z.enum(jobKinds),
    dataset: z.object({ id: z.string() }),
    /** The request as submitted (checked then for what needs no data). */
    submitted: z.record(z.string(), z.unknown()),
    webhook: webhookSchema.optional(),
  })
  .meta({
    id: 'AwaitingSpec',
    description:
      'a job waiting for its dataset to be ready: checked against it then, and its spec replaced by the full one',
  });
export type AwaitingSpec = z.infer<typeof awaitingSpecSchema>;

/** A job's recorded spec of any kind: training's (no `kind`, as every job before kinds) or another. */
export const anyJobSpecSchema = z.union([
  jobSpecRecordSchema,
  batchPredictionSpecSchema,
  awaitingSpecSchema,
]);
export type AnyJobSpec = z.infer<typeof anyJobSpecSchema>;

/** The kind a recorded spec is of (a job awaiting its dataset: the kind it will be). */
export function kindOfSpec(spec: AnyJobSpec): JobKind {
  if (!('kind' in spec)) return 'training';
  return spec.kind === 'awaiting-dataset' ? spec.for : spec.kind;
}

/** A job still waiting for its dataset. */
export function isAwaiting(spec: AnyJobSpec): spec is AwaitingSpec {
  return 'kind' in spec && spec.kind === 'awaiting-dataset';
}

/** A training spec, narrowed (training's code is handed only training jobs). */
export function isTrainingSpec(spec: AnyJobSpec): spec is JobSpecRecord {
  return !('kind' in spec);
}

/** What a job on the queue carries: never the data itself, which the spec names. */
export const jobPayloadSchema = z.object({
  jobId: z.string(),
  /** The tenant whose job it is: its records live under that tenant's keys. */
  tenant: z.string(),
  spec: anyJobSpecSchema,
  /** Absent on jobs queued before kinds existed: those are training. */
  kind: z.enum(jobKinds).optional(),
  /** A fold job (issue 17): the cross-validated job it is a fold of, and which fold. */
  parentJobId: z.string().optional(),
  fold: foldSchema.optional(),
});
export type JobPayload = z.infer<typeof jobPayloadSchema>;
/** A training job's payload. */
export type TrainingPayload = JobPayload & { spec: JobSpecRecord };
/** A batch-predictions job's payload. */
export type BatchPredictionPayload = JobPayload & { spec: BatchPredictionSpec };

/** `pruned`: a sweep's trial that early stopping (ASHA) stopped at a rung (issue 17). */
export const jobStatuses = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
  'pruned',
] as const;
export type JobStatus = (typeof jobStatuses)[number];
export const finalStatuses: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled', 'pruned'];

/**
 * Why a job failed. `invalid_input`: its data or spec was refused when it ran (never retried);
 * `internal`: an infrastructure fault outlasted its tries; `enqueue_failed` is only in records
 * written before a job the queue refused was taken back whole (5230243).
 */
export const failureCodes = [
  'dataset_missing',
  'dataset_too_large',
  'time_limit',
  'diverged',
  'invalid_input',
  'internal',
  'enqueue_failed',
] as const;
export type FailureCode = (typeof failureCodes)[number];

export const jobErrorSchema = z.object({ code: z.enum(failureCodes), message: z.string() });
export type JobError = z.infer<typeof jobErrorSchema>;

export const progressSchema = z.object({
  epoch: z.number().int(),
  epochs: z.number().int(),
  error: z.number(),
});
export type Progress = z.infer<typeof progressSchema>;

/** A batch-predictions job's progress: rows scored so far, of the dataset's rows. */
export const rowsProgressSchema = z.object({ rows: z.number().int(), of: z.number().int() });
export type RowsProgress = z.infer<typeof rowsProgressSchema>;

export const jobRecordSchema = z.object({
  id: z.string(),
  status: z.enum(jobStatuses),
  spec: anyJobSpecSchema,
  progress: z.union([progressSchema, rowsProgressSchema]).optional(),
  metrics: metricsSchema.optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  error: jobErrorSchema.optional(),
  modelId: z.string().optional(),
  cancelRequested: z.boolean().optional(),
  /** The id of the inline dataset stored for this job: deleted when the job finishes. */
  ownedDataset: z.string().optional(),
  /** The Idempotency-Key the job was submitted with (its mapping goes when the job is deleted). */
  idempotencyKey: z.string().optional(),
  /** A reproduction job that succeeded: whether its model is the original's (issue 15). */
  reproduction: reproductionSchema.optional(),
  /** A fold job (issue 17): the cross-validated job it is a fold of, and which fold. */
  parentJobId: z.string().optional(),
  fold: foldSchema.optional(),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

const at = z.string();

/** One epoch as the engine reports it (engine/train.ts EpochReport; a test keeps them equal). */
export const epochEventSchema = z.object({
  type: z.literal('epoch'),
  epoch: z.number().int(),
  error: z.number(),
  validationError: z.number().optional(),
  accuracy: z.number().optional(),
  validationAccuracy: z.number().optional(),
  learningRate: z.number(),
  elapsedMs: z.number(),
  samplesPerSecond: z.number(),
});
export type EpochEvent = z.infer<typeof epochEventSchema>;

/** What a job's event stream holds (and the API streams, and webhooks carry). */
export const jobEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: z.enum(jobStatuses), at }),
  epochEventSchema,
  /** Rows a batch-predictions job has scored so far (issue 15), after each chunk. */
  z.object({ type: z.literal('progress'), rows: z.number().int(), of: z.number().int(), at }),
  /** A training job's end: its model and metrics; a batch-predictions job's: rows and output. */
  z.object({
    type: z.literal('done'),
    modelId: z.string().optional(),
    /** The model's name and version, when the job named it (`model.name`). */
    model: z.object({ name: z.string(), version: z.number().int() }).optional(),
    /** A reproduction job: whether its model is the original's, bit for bit. */
    reproduction: reproductionSchema.optional(),
    metrics: metricsSchema.optional(),
    /** Batch predictions: the rows scored, and where the CSV is (GET /v1/jobs/:id/output). */
    rows: z.number().int().optional(),
    output: z.string().optional(),
    at,
  }),
  z.object({ type: z.literal('failed'), error: jobErrorSchema, at }),
  z.object({
    type: z.literal('cancelled'),
    epoch: z.number().int(),
    /** Batch predictions: the rows scored before it stopped. */
    rows: z.number().int().optional(),
    at,
  }),
  /**
   * A sweep's trial stopped by early stopping (ASHA) at a rung: the epoch it reached and its
   * objective's value there; it keeps no model.
   */
  z.object({ type: z.literal('pruned'), epoch: z.number().int(), metric: z.number(), at }),
  /** A worker took the job up again from its checkpoint after its previous one stopped. */
  z.object({
    type: z.literal('resumed'),
    epoch: z.number().int(),
    position: z.number().int(),
    /** The try (2, 3, …) when an earlier one failed for an infrastructure reason. */
    attempt: z.number().int().optional(),
    at,
  }),
  /** A try failed for an infrastructure reason; BullMQ tries again after a backoff. */
  z.object({
    type: z.literal('retrying'),
    attempt: z.number().int(),
    attempts: z.number().int(),
    error: jobErrorSchema,
    at,
  }),
]);
export type JobEvent = z.infer<typeof jobEventSchema>;
export type DoneEvent = Extract<JobEvent, { type: 'done' }>;

export const finalEventTypes = new Set(['done', 'failed', 'cancelled', 'pruned']);

/** Every event type a job's stream may hold (the SSE event names a follower listens for). */
export const jobEventTypes: readonly JobEvent['type'][] = jobEventSchema.options.map(
  (o) => o.shape.type.value,
);
