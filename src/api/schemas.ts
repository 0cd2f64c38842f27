// Response and parameter schemas of the HTTP API (zod; no transforms, as response schemas must
// not have them). The request bodies reuse the shared job spec schemas from src/spec, and the
// job's view is the contract's (spec/job-contract.ts).
import { z } from 'zod';
import {
  columnProfileSchema,
  droppedRowsSchema,
  inlineLabelsSchema,
  inlineTargetsSchema,
  jobStatuses,
  jobViewSchema,
  metricsSchema,
  modelNameSchema,
  modelRefSchema,
  modelSchema,
  receiptSchema,
  tableLabelSchema,
  weightsSchema,
} from '../spec/index.js';
import type { PendingDatasetMeta, RowsDatasetMeta, TableDatasetMeta } from '../store/index.js';
import {
  hasOnly,
  isFeatureRows,
  isIdParams,
  isObject,
  isRefParams,
  trustedResponse,
  withFastCheck,
} from './fast-path.js';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({
    id: 'Problem',
    description: 'RFC 9457 problem details',
    examples: [
      {
        type: '/problems/validation',
        title: 'Invalid request',
        status: 400,
        detail: 'network.layers.0.units: must be at least 1',
        instance: '/v1/jobs',
        errors: [{ path: 'network.layers.0.units', message: 'must be at least 1' }],
      },
    ],
  });

export const problems = {
  400: problemSchema.describe('bad input: `errors` lists each field and what would fix it'),
  401: problemSchema.describe('no API key, or one that is not valid'),
  403: problemSchema.describe("needs an admin tenant's key"),
  404: problemSchema.describe('no such resource (or one of another tenant)'),
  409: problemSchema.describe('the resource is not in a state that allows this'),
  413: problemSchema.describe('the body is larger than the configured limit'),
  415: problemSchema.describe('unsupported content type'),
  422: problemSchema.describe('Idempotency-Key reused with a different body'),
  429: problemSchema.describe('a limit of the tenant or key was reached: see Retry-After'),
  503: problemSchema.describe('Redis is unreachable'),
};

/** What every route that needs an API key may also answer. */
export const authProblems = { 401: problems[401], 429: problems[429] };

// Ids go into Redis key names: a `:` would reach another record's key (a job's event stream).
export const idParams = withFastCheck(
  z.object({
    id: z
      .string()
      .min(1)
      .max(64)
      .regex(
        /^[\w-]+$/,
        'must be an id such as 01JD3Q4ZKX8M2N5P7R9T1V3W5Y: letters, digits, _ and -',
      ),
  }),
  isIdParams,
);

/** A model named in a path: an id, NAME (its latest version), NAME@VERSION or NAME@ALIAS. */
export const refParams = withFastCheck(
  z.object({
    id: modelRefSchema.describe(
      'a model id, NAME (its latest version), NAME@VERSION (penguins@3) or NAME@ALIAS (penguins@production)',
    ),
  }),
  isRefParams,
);

/** A version in a path (TF Serving's and OIP's /versions/N): 1, 2, … */
const versionSchema = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a version number: 1, 2, …')
  .refine((v) => Number(v) >= 1, 'versions start at 1')
  .describe('the version of the name: 1, 2, …');

/** A model by name and version (TF Serving's and OIP's /versions/N). */
export const versionParams = z.object({
  name: modelNameSchema.describe('the model name'),
  version: versionSchema,
});

/** A model by name and label (TF Serving's /labels/LABEL): an alias, or `latest`. */
export const labelParams = z.object({
  name: modelNameSchema.describe('the model name'),
  label: z
    .string()
    .regex(
      /^[A-Za-z_][\w.-]{0,63}$/,
      'must be an alias such as production (letters, digits, _, . or -, not starting with a digit); a version goes in /versions/N',
    )
    .describe('an alias of the name (production, …), or latest'),
});

/** The params of a route that names a model in its path, in any of the three forms. */
export type ModelParams =
  | z.infer<typeof refParams>
  | z.infer<typeof versionParams>
  | z.infer<typeof labelParams>;

/** The reference the params spell: the id or reference as given, NAME@VERSION, NAME@LABEL. */
export function refOfParams(params: ModelParams): string {
  if ('id' in params) return params.id;
  if ('version' in params) return `${params.name}@${Number(params.version)}`;
  return `${params.name}@${params.label}`;
}

/** The model's name as the path gave it (what the protocols answer as the model's name). */
export const nameOfParams = (params: ModelParams): string =>
  'id' in params ? params.id : params.name;

const datasetShape = {
  id: z.string(),
  status: z.literal('ready').describe('ready to train on'),
  rows: z.number().int(),
  features: z.number().int(),
  outputs: z.number().int(),
  classes: z.array(z.union([z.string(), z.number()])).optional(),
  targetKind: z.enum(['distribution', 'unit', 'real']),
};
const stored = {
  bytes: z.number().int().describe('what the dataset takes in storage (counted in the quota)'),
  createdAt: z.string(),
};

const rowsDatasetSchema = z
  .object({ ...datasetShape, featureNames: z.array(z.string()).optional(), ...stored })
  .meta({
    id: 'RowsDataset',
    description: 'numeric rows: JSON {inputs, targets | labels}, or a CSV with ?targets=',
  });

const tableDatasetSchema = z
  .object({
    ...datasetShape,
    format: z.literal('table'),
    rows: z.number().int().describe('rows stored: those whose label is missing are not'),
    features: z
      .number()
      .int()
      .describe(
        'the input width with the default preprocessing (0 when every column but the label is skipped)',
      ),
    outputs: z.number().int().describe('the number of classes, or 1 for a regression target'),
    classes: z
      .array(z.union([z.string(), z.number()]))
      .optional()
      .describe('classification: numbers ascending for a numeric label, else names'),
    targetKind: z
      .enum(['distribution', 'unit', 'real'])
      .describe('distribution for classes, real for a regression target'),
    label: tableLabelSchema
      .optional()
      .describe('the column to predict; absent for a table uploaded without ?label= (for scoring)'),
    droppedRows: z.array(droppedRowsSchema).describe('rows not stored, by reason (none: [])'),
    missingTokens: z
      .array(z.string())
      .describe('cell values read as missing besides blank and null'),
    columns: z.array(columnProfileSchema),
    ...stored,
  })
  .meta({
    id: 'TableDataset',
    description: 'a table: CSV, JSON records or NDJSON, with ?label= to train on it',
  });

const pendingDatasetSchema = z
  .object({
    id: z.string(),
    status: z
      .enum(['processing', 'failed'])
      .describe(
        'processing: a worker is reading it (GET again; a job naming it waits for it); failed: it could not be read, see error',
      ),
    upload: z.object({
      kind: z.enum(['csv', 'ndjson', 'parquet', 'arrow']),
      bytes: z.number().int().describe('the bytes uploaded (decompressed)'),
    }),
    error: z
      .object({
        message: z.string(),
        errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      })
      .optional()
      .describe(
        'why it failed: a sentence, and each problem with where it is (row, column, query field)',
      ),
    createdAt: z.string(),
    finishedAt: z.string().optional().describe('when it failed'),
  })
  .meta({
    id: 'PendingDataset',
    description: 'a big upload being read by a worker (processing), or that could not be (failed)',
  });

// the table first: a table's meta would also pass as rows, with its profile stripped
export const datasetMetaSchema = z
  .union([tableDatasetSchema, rowsDatasetSchema, pendingDatasetSchema])
  .meta({
    id: 'Dataset',
    description:
      'a table with its profile (format "table"), or numeric rows, once ready; a big upload is processing first',
  });

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
/** Compile-time only: the store's meta and the API's schema of it are the same type. */
export type DatasetMetaMatchesStore = Holds<
  Same<z.infer<typeof tableDatasetSchema>, TableDatasetMeta>
> &
  Holds<Same<z.infer<typeof rowsDatasetSchema>, Omit<RowsDatasetMeta, 'format'>>> &
  Holds<Same<z.infer<typeof pendingDatasetSchema>, PendingDatasetMeta>>;

/** JSON records, the body of a table upload as JSON. */
export const tableRecordsSchema = z
  .array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])))
  .min(1)
  .meta({
    id: 'TableRecords',
    description: 'a table as JSON records; a key a record leaves out is a missing cell',
    examples: [
      [
        { Horsepower: 130, Origin: 'USA', Miles_per_Gallon: 18 },
        { Horsepower: null, Origin: 'Europe', Miles_per_Gallon: 25 },
      ],
    ],
  });

/** Two iris rows: the examples of every body that carries feature rows. */
export const exampleRows = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
];

/** What POST /v1/datasets takes as JSON (as CSV: text with a header row, see the route). */
export const datasetUploadSchema = z.union([inlineTargetsSchema, inlineLabelsSchema]).meta({
  id: 'DatasetUpload',
  description: 'rows with regression targets, or rows with one class label each',
  examples: [
    {
      inputs: exampleRows,
      labels: [0, 2],
    },
  ],
});

export const jobListSchema = z.object({
  jobs: z.array(jobViewSchema),
  nextCursor: z.string().nullable(),
});

export const jobListQuery = z.strictObject({
  status: z.enum(jobStatuses).optional(),
  sweepId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe("only this sweep's trials (those queued so far: a pending trial has no job yet)"),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(64).optional(),
});

/** What a table model reads, as GET /v1/models/:id shows it (no statistics: see `preprocessing`). */
export const modelColumnSchema = z.object({
  name: z.string(),
  type: z.enum(['numeric', 'categorical', 'boolean', 'datetime']),
});

/** Where a model came from (GET /v1/models/:ref): its job, data, spec, seed and results. */
export const lineageSchema = z
  .object({
    job: z.string().nullable().describe('the job that trained it (null: imported from a file)'),
    dataset: z
      .object({
        ref: z.record(z.string(), z.unknown()).describe("the job's dataset reference"),
        id: z.string().optional().describe('the stored dataset, when it was one'),
        sha256: z.string().describe('SHA-256 of the data as the job read it'),
      })
      .nullable(),
    spec: receiptSchema.shape.spec.nullable().describe('the resolved spec it was trained with'),
    seed: z.number().int().nullable(),
    engineVersion: z.string().nullable(),
    initFrom: z.string().optional().describe('the model it was warm-started from'),
    reproduces: z
      .string()
      .optional()
      .describe('the model whose receipt it was retrained from (POST /v1/models/:ref/reproduce)'),
    metrics: metricsSchema,
    evaluation: metricsSchema.shape.test.describe('its evaluation on held-out rows, in brief'),
  })
  .meta({ id: 'Lineage' });

export const modelViewSchema = modelSchema
  .omit({ format: true })
  .extend({
    id: z.string(),
    jobId: z.string().optional().describe('the job that trained it; none for an imported model'),
    importedAt: z
      .string()
      .optional()
      .describe('when it was imported from a model file (POST /v1/models)'),
    columns: z
      .array(modelColumnSchema)
      .optional()
      .describe(
        'table models: the columns predict reads by name (records), in the order rows of raw cells (inputs) give them',
      ),
    weights: weightsSchema
      .optional()
      .describe(
        'per layer, W_k as [D_k][D_k-1] and b_k as [D_k]; left out (see weightsOmitted) for a model of more than 5,000,000 parameters',
      ),
    weightsOmitted: z
      .string()
      .optional()
      .describe("why the weights are not shown, and where to get them (the model's download)"),
    name: z.string().optional().describe("the name it is a version of (the job's model.name)"),
    version: z.number().int().optional().describe('its version of that name: 1, 2, …'),
    tags: z.record(z.string(), z.string()).optional(),
    description: z.string().optional(),
    aliases: z
      .array(z.string())
      .optional()
      .describe(
        'the aliases of its name that point at this version (PUT /v1/models/NAME/aliases/ALIAS)',
      ),
    lineage: lineageSchema,
  })
  .meta({ id: 'Model' });

/** What GET /v1/models lists of each model (GET /v1/models/:ref has the rest). */
export const modelSummarySchema = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    version: z.number().int().optional(),
    aliases: z.array(z.string()).optional(),
    tags: z.record(z.string(), z.string()).optional(),
    description: z.string().optional(),
    jobId: z.string().optional(),
    datasetId: z.string().optional(),
    createdAt: z.string(),
    importedAt: z.string().optional(),
    metrics: metricsSchema,
  })
  .meta({ id: 'ModelSummary' });

export const datasetListSchema = z.object({
  datasets: z.array(datasetMetaSchema),
  nextCursor: z.string().nullable(),
});

export const datasetListQuery = z.strictObject({
  status: z
    .enum(['processing', 'ready', 'failed'])
    .optional()
    .describe('only the datasets in this status'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(64).optional().describe("the previous page's nextCursor"),
});

export const modelListSchema = z.object({
  models: z.array(modelSummarySchema),
  nextCursor: z.string().nullable(),
});

export const modelListQuery = z.strictObject({
  name: modelNameSchema.optional().describe('only the versions of this name'),
  tag: z
    .string()
    .max(330)
    .optional()
    .describe('KEY:VALUE (or KEY, any value): only models with that tag'),
  dataset: z.string().max(64).optional().describe('only models trained on this stored dataset id'),
  job: z.string().max(64).optional().describe('only the model this job trained'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(64).optional().describe("the previous page's nextCursor"),
});

// A raw cell: a number, or for a table model also a category, date, boolean or null (missing).
const cell = z.union([z.number(), z.string(), z.boolean(), z.null()], {
  error: 'must be a number (a model trained on a table also takes a string, true/false or null)',
});

const predictBody = z
  .strictObject({
    inputs: z
      .array(z.array(cell, { error: 'must be a row: a list of values' }), {
        error: 'must be a list of rows (lists of numbers)',
      })
      .min(1, 'needs at least one row')
      .optional()
      .describe(
        "rows of raw features; for a table model, each row holds the raw cells in the order of the model's columns (GET /v1/models/:id)",
      ),
    records: z
      .array(
        z.record(z.string(), z.unknown(), {
          error: 'must be a record: an object of column name → value',
        }),
        { error: 'must be a list of records (objects of column name → value)' },
      )
      .min(1, 'needs at least one record')
      .optional()
      .describe(
        'table models: one object per row, column name → raw value (number, string, true/false); a field left out, null or blank is imputed',
      ),
  })
  .check((ctx) => {
    const { inputs, records } = ctx.value;
    if (inputs === undefined && records === undefined)
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['inputs'],
        message:
          'is required: send inputs (rows of values) or, for a model trained on a table, records (objects keyed by column name)',
      });
    else if (inputs !== undefined && records !== undefined)
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['records'],
        message: 'send inputs or records, not both',
      });
  })
  .meta({
    id: 'PredictRequest',
    description:
      'Raw feature rows (`inputs`), as the training data had them (the model scales them itself); or, for a model trained on a table, `records` keyed by column name. Exactly one of them.',
    examples: [
      {
        inputs: exampleRows,
      },
    ],
  });

// The fast check takes numeric rows only: records (and rows holding strings or null) go through
// zod, and so past the predict lane to Fastify's route.
export const predictBodySchema = withFastCheck(
  predictBody,
  (v) => isObject(v) && hasOnly(v, ['inputs']) && isFeatureRows(v.inputs),
);

export const predictResponseSchema = trustedResponse(
  z.object({
    outputs: z
      .array(z.array(z.number()))
      .describe(
        "per row, the network's outputs; for a table model, the probabilities in the order of the model's class list (GET /v1/models/:id `classes`), or [the predicted value] in the target's units",
      ),
    classes: z
      .array(z.union([z.number(), z.string()]))
      .optional()
      .describe('classifiers: the predicted class per row, as the training file named it'),
    warnings: z
      .array(z.string())
      .optional()
      .describe(
        'table models, when there are any: unseen categories (read as "other") and fields the model does not read',
      ),
  }),
);
