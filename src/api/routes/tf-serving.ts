// TensorFlow Serving's REST predict (POST /v1/models/<ref>:predict, and by version or label:
// /v1/models/NAME/versions/N:predict, /v1/models/NAME/labels/ALIAS:predict), on the same cached
// models as POST /v1/models/:id/predict: row form (instances → predictions) and columnar form
// (inputs → outputs); a table model's bodies by column name are read in tf-records.ts.
// Deliberately not here: classify, regress, model status and metadata.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { rowsOf } from '../../data/index.js';
import { outputSizeOf } from '../../engine/index.js';
import {
  hasOnly,
  isObject,
  isString,
  optional,
  trustedResponse,
  withFastCheck,
} from '../fast-path.js';
import {
  addErrorField,
  checkRowCount,
  errorNote,
  Issues,
  inputName,
  modelProblems,
  type PredictEndpoint,
  predictLogLevel,
  predictRows,
  predictWith,
  readRow,
  shown,
} from '../predict.js';
import { replayLaneBody } from '../predict-lane.js';
import { exampleRows, labelParams, problems, refParams, versionParams } from '../schemas.js';
import type { CachedModel } from '../services.js';
import { predictTable, tableOf } from '../table-predict.js';
import { columnarRecords, instanceRecords } from '../tf-records.js';

const tfSignature = 'serving_default';

// https://www.tensorflow.org/tfx/serving/api_rest#predict_api

const tfPredictRequest = z
  .strictObject({
    signature_name: z.string().optional(),
    instances: z
      .array(z.unknown())
      .optional()
      .describe(
        `row format: rows [[…], …], or objects {"${inputName}": […]}; for a table model, objects keyed by column name {"Origin": "USA", …} (or rows of raw cells in column order)`,
      ),
    inputs: z
      .unknown()
      .optional()
      .describe(
        `columnar format: rows [[…], …], or {"${inputName}": [[…], …]}; for a table model, {"Origin": ["USA", …], …}: each column's values, one per row (or rows of raw cells in column order)`,
      ),
  })
  .meta({
    id: 'TfPredictRequest',
    description: 'TensorFlow Serving predict: either instances (row format) or inputs (columnar)',
    examples: [
      {
        instances: exampleRows,
      },
    ],
  });

// What tfPredictRequest accepts unchanged, checked by hand for the common request (fast-path.ts).
export const tfPredictRequestSchema = withFastCheck(
  tfPredictRequest,
  (v) =>
    isObject(v) &&
    hasOnly(v, ['signature_name', 'instances', 'inputs']) &&
    optional(v.signature_name, isString) &&
    optional(v.instances, Array.isArray),
);

const tfRows = z.array(z.array(z.number()));
const tfWarnings = z
  .array(z.string())
  .optional()
  .describe(
    'table models, when there are any: unseen categories (read as "other") and fields not read',
  );
const tfPredictResponseSchema = trustedResponse(
  z
    .union([
      z.object({ predictions: tfRows, warnings: tfWarnings }),
      z.object({ outputs: tfRows, warnings: tfWarnings }),
    ])
    .meta({
      id: 'TfPredictResponse',
      description:
        "predictions for instances, outputs for inputs: per row the model's outputs (a classifier's probabilities in the order of its class list, which GET /v1/models/:id shows as `classes`; a table regressor's [value] in its target's units)",
    }),
);

type TfPredictRequest = z.infer<typeof tfPredictRequest>;

/** The signature, and one of the two formats. */
function checkForm({ signature_name: signature, instances, inputs }: TfPredictRequest): void {
  const issues = new Issues();
  if (signature !== undefined && signature !== tfSignature)
    issues.add('signature_name', `is ${shown(signature)}; the model has one: ${tfSignature}`);
  if ((instances === undefined) === (inputs === undefined))
    issues.add('', 'send either instances (row format) or inputs (columnar format), one of them');
  issues.throwIfAny();
}

/** The request's rows, flat, with the path of each row: instances.r, inputs.r or inputs.input.r. */
function readTfRows(body: TfPredictRequest, cached: CachedModel, maxRows: number) {
  const issues = new Issues();
  const { instances, inputs } = body;
  // each row as [value, path]: a named input unwraps to its value
  const named = (value: unknown, path: string): [unknown, string] => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [value, path];
    for (const key of Object.keys(value).filter((k) => k !== inputName))
      issues.add(
        `${path}.${key}`,
        `is not an input of this model: its one input is "${inputName}"`,
      );
    return [(value as Record<string, unknown>)[inputName], `${path}.${inputName}`];
  };
  let rows: [unknown, string][] = [];
  if (instances !== undefined) {
    rows = instances.map((row, r) => named(row, `instances.${r}`));
    checkRowCount(rows.length, maxRows, 'instances', issues);
  } else {
    const [tensor, path] = named(inputs, 'inputs');
    if (!Array.isArray(tensor)) issues.add(path, `must be a list of rows (got ${shown(tensor)})`);
    else {
      rows = tensor.map((row, r) => [row, `${path}.${r}`]);
      checkRowCount(rows.length, maxRows, path, issues);
    }
  }
  issues.throwIfAny();
  const x: number[] = [];
  for (const [row, path] of rows) readRow(x, row, path, cached, issues);
  issues.throwIfAny();
  const rowIssue = (r: number, message: string) => ({ path: rows[r]![1], message });
  return { x, rows: rows.length, columnar: instances === undefined, rowIssue };
}

// TF Serving names a version or a label after the model's name; /v1/models/<ref>:predict also
// takes our references (NAME, NAME@VERSION, NAME@ALIAS). The route patterns are loose (any
// letters, digits, _, ., - and @) so that the params schemas answer a malformed one with a 400
// naming it, rather than the router with a bare 404.
const tfPredictRoutes = [
  { url: '/v1/models/:id(^[\\w.@-]+)::predict', params: refParams, by: '' },
  {
    url: '/v1/models/:name/versions/:version(^[\\w.-]+)::predict',
    params: versionParams,
    by: ' by version',
  },
  {
    url: '/v1/models/:name/labels/:label(^[\\w.-]+)::predict',
    params: labelParams,
    by: ' by label (an alias, or latest)',
  },
] as const;

export async function tfServingRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  addErrorField(app);

  for (const { url, params, by } of tfPredictRoutes)
    r.post(url, {
      logLevel: predictLogLevel,
      preParsing: replayLaneBody,
      schema: {
        summary: `TensorFlow Serving predict${by}: predictions for instances (rows), outputs for inputs`,
        description: errorNote,
        tags: ['protocols'],
        params,
        body: tfPredictRequestSchema,
        response: { 200: tfPredictResponseSchema, 400: problems[400], ...modelProblems },
      },
      handler: async (request) => predictWith(app, tfPredict, request),
    });
}

/** POST /v1/models/<id>:predict, TensorFlow Serving's REST predict. */
export const tfPredict: PredictEndpoint<
  TfPredictRequest,
  z.infer<typeof tfPredictResponseSchema>
> = {
  // A literal ':' in a path is '::' to Fastify, but only after a parameter with a pattern: in
  // '/:id::predict' the parameter's name would swallow '::predict' (find-my-way 9).
  url: tfPredictRoutes[0].url,
  path: /^\/v1\/models\/([\w-]{1,64}):predict$/,
  body: tfPredictRequestSchema,
  async answer(app, cached, _id, body) {
    const max = app.services.config.maxPredictRows;
    checkForm(body);
    const table = tableOf(cached);
    if (table) {
      const { records, place } =
        body.instances === undefined
          ? columnarRecords(body.inputs, table, max)
          : instanceRecords(body.instances, table, max);
      const { outputs, warnings } = await predictTable(app, cached, table, records, place);
      const noted = warnings.length > 0 ? { warnings } : {};
      return body.instances === undefined
        ? { outputs, ...noted }
        : { predictions: outputs, ...noted };
    }
    const { x, rows, columnar, rowIssue } = readTfRows(body, cached, max);
    const y = await predictRows(app, cached, x, rows, rowIssue);
    const answer = rowsOf(y, rows, outputSizeOf(cached.model.shape));
    return columnar ? { outputs: answer } : { predictions: answer };
  },
};
