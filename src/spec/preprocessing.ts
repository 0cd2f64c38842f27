// What a table model carries besides its weights (issue 14): the preprocessing fitted on its
// training rows (imputation, one-hot, scaling, calendar features) and the encoding of its label
// (class names, or a standardised target). JSON, stored inside the model and checked when a
// model is read. The options a job may set are `dataset.preprocessing`. src/data/preprocess fits
// and applies them.
import { z } from 'zod';

/** The types a table's column can be read as (inferred by profiling, or set by a job). */
export const columnTypeNames = [
  'numeric',
  'categorical',
  'boolean',
  'datetime',
  'text',
  'id',
  'ignored',
] as const;

/** A job's `dataset.columns`: column name -> type, in place of the profile's. */
export const columnOverridesSchema = z
  .record(
    z.string().min(1, 'must name a column'),
    z.enum(columnTypeNames, { error: `must be one of ${columnTypeNames.join(', ')}` }),
  )
  .describe(
    'column name -> type (numeric, categorical, boolean, datetime, text, id, ignored), in place of the inferred one',
  );

export const taskSchema = z
  .enum(['classification', 'regression'], { error: 'must be classification or regression' })
  .describe("the label's task, in place of the inferred one (numeric labels only)");

export const preprocessOptionsSchema = z
  .strictObject({
    numericImpute: z
      .enum(['median', 'mean', 'constant'], { error: 'must be median, mean or constant' })
      .optional()
      .describe(
        "what a missing number becomes: the training rows' median (default), mean, or fillValue",
      ),
    fillValue: z
      .number({ error: 'must be a finite number' })
      .optional()
      .describe('numericImpute "constant": the value (default 0)'),
    missingIndicator: z
      .boolean()
      .optional()
      .describe(
        'add a 0/1 input "NAME (missing)" after each numeric column with a missing cell (default false)',
      ),
    categoricalImpute: z
      .enum(['most_frequent', 'missing'], { error: 'must be most_frequent or missing' })
      .optional()
      .describe(
        'what a missing category becomes: the most frequent training value (default), or a "missing" slot of its own',
      ),
    maxCategories: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(1000, 'must be at most 1000')
      .optional()
      .describe(
        'one-hot slots per categorical column besides its "other" slot (default 20); rarer categories go to "other"',
      ),
    minFrequency: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .optional()
      .describe('a category in fewer training rows than this goes to "other" (default 1)'),
  })
  .describe('how a table is preprocessed: imputation, missing indicators, one-hot width');

export type PreprocessOptionsSpec = z.infer<typeof preprocessOptionsSchema>;
export type PreprocessOptions = Required<PreprocessOptionsSpec>;

export const defaultPreprocessOptions: PreprocessOptions = {
  numericImpute: 'median',
  fillValue: 0,
  missingIndicator: false,
  categoricalImpute: 'most_frequent',
  maxCategories: 20,
  minFrequency: 1,
};

const skippedSchema = z.object({
  name: z.string(),
  type: z.enum(['text', 'id', 'ignored']),
  reason: z.string(),
});
export type SkippedPlan = z.infer<typeof skippedSchema>;

/** One input column's fitted step; statistics from the training rows only. */
export const columnStepSchema = z.discriminatedUnion('type', [
  z.object({
    name: z.string(),
    type: z.literal('numeric'),
    /** The imputed value for a missing cell. */
    fill: z.number(),
    /** Standardisation of the imputed column: (x − mean) / std, std 1 for a constant column. */
    mean: z.number(),
    std: z.number(),
    /** Whether a 0/1 "missing" input follows. */
    indicator: z.boolean(),
  }),
  z.object({
    name: z.string(),
    type: z.literal('boolean'),
    fill: z.union([z.literal(0), z.literal(1)]),
  }),
  z.object({
    name: z.string(),
    type: z.literal('categorical'),
    /** One slot each, in this order; then unfilled slots up to `slots`; then "missing" (if any); then "other". */
    categories: z.array(z.string()),
    /** Slots before "missing"/"other" (fixed by the profile, not the split): unfilled ones stay 0. */
    slots: z.number().int(),
    /** The category a missing cell becomes, or null for the "missing" slot. */
    fill: z.string().nullable(),
    missingSlot: z.boolean(),
  }),
  z.object({
    name: z.string(),
    type: z.literal('datetime'),
    /** Milliseconds since 1970 UTC for a missing cell (the training median). */
    fill: z.number(),
    /** Standardisation of the fractional year. */
    yearMean: z.number(),
    yearStd: z.number(),
    /** Whether hour-of-day inputs are included (the column holds times, not only dates). */
    hours: z.boolean(),
  }),
]);
export type ColumnStep = z.infer<typeof columnStepSchema>;

/** What a table model does to its inputs, in order. */
export const preprocessorSchema = z
  .object({
    /** Tokens read as missing, as at upload; blank and null always are. */
    missingTokens: z.array(z.string()),
    columns: z.array(columnStepSchema),
    skipped: z.array(skippedSchema),
    /** The network's input width. */
    width: z.number().int(),
    /** A name per network input: "Horsepower", "Origin=USA", "Origin (other)", "Year (month sin)". */
    inputNames: z.array(z.string()),
    options: z.object({
      numericImpute: z.enum(['median', 'mean', 'constant']),
      fillValue: z.number(),
      missingIndicator: z.boolean(),
      categoricalImpute: z.enum(['most_frequent', 'missing']),
      maxCategories: z.number().int(),
      minFrequency: z.number().int(),
    }),
  })
  .meta({ id: 'Preprocessing' });
export type Preprocessor = z.infer<typeof preprocessorSchema>;

/** The label as targets, and the outputs back as answers. */
export const targetEncodingSchema = z
  .discriminatedUnion('task', [
    z.object({
      name: z.string(),
      task: z.literal('classification'),
      /** In output order: names as in the file (numbers for a numeric label). */
      classes: z.array(z.union([z.string(), z.number()])),
    }),
    z.object({
      name: z.string(),
      task: z.literal('regression'),
      /** The target is standardised for training and un-scaled on the way out. */
      mean: z.number(),
      std: z.number(),
    }),
  ])
  .meta({ id: 'TargetEncoding' });
export type TargetEncoding = z.infer<typeof targetEncodingSchema>;
