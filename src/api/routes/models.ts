// Trained models: the document (spec, metrics, weights in the notes' convention) and
// prediction, which runs the forward pass in this process on a cached copy of the model.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { rowsOf } from '../../data/index.js';
import { argmaxRows, outputSizeOf } from '../../engine/index.js';
import { AppError, ValidationError } from '../../errors.js';
import type { StoredModel } from '../../store/index.js';
import { isFeature } from '../fast-path.js';
import {
  checkRowCount,
  expectedWidth,
  getModel,
  Issues,
  type PredictEndpoint,
  predictLogLevel,
  predictRows,
  predictWith,
  valueProblem,
} from '../predict.js';
import { replayLaneBody } from '../predict-lane.js';
import {
  authProblems,
  idParams,
  modelViewSchema,
  predictBodySchema,
  predictResponseSchema,
  problems,
} from '../schemas.js';
import type { CachedModel } from '../services.js';
import {
  classesOf,
  predictTable,
  recordsAt,
  recordsOfRows,
  type TableAnswer,
  tableOf,
} from '../table-predict.js';

const predictDescription = [
  'Send exactly one of `inputs` and `records`.',
  'A model trained on a numeric matrix takes `inputs`: rows of numbers of its input width, raw (the model scales them itself).',
  'A model trained on a table (GET /v1/models/:id shows its `columns`) takes `records`: one object per row, column name → raw value as in the file (numbers, strings, true/false); a field left out, null, blank or a missing token is imputed as in training, and a category not seen in training is read as its column\'s "other" (listed in `warnings`). It also takes `inputs`, each row read as the raw cells of its columns in their order (numbers, strings, true/false or null).',
  "A classifier answers `classes`, the predicted class per row as the file named it, and `outputs`, the probabilities in the order of the model's class list (GET /v1/models/:id `classes`); a table regressor answers `outputs` as [value] per row in the target's units.",
].join('\n\n');

export async function modelRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/models/:id', {
    schema: {
      summary: 'A trained model: spec, metrics, weights (W_k is [D_k][D_k-1])',
      description:
        'A model trained on a table also shows the columns its predictions read (`columns`), its class list in output order (`classes`), its fitted `preprocessing` and `target`, and its `evaluation` on held-out rows.',
      tags: ['models'],
      params: idParams,
      response: { 200: modelViewSchema, 404: problems[404], ...authProblems, 503: problems[503] },
    },
    handler: async (request) =>
      modelView((await getModel(app, request.stores, request.params.id)).doc),
  });

  r.delete('/v1/models/:id', {
    schema: {
      summary: 'Delete a model (predictions with it end at once, in every API process)',
      tags: ['models'],
      params: idParams,
      response: {
        204: z.undefined().describe('deleted'),
        404: problems[404],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      app.services.models.forget(`${request.tenant}/${id}`);
      if (!(await request.stores.models.delete(id)))
        throw new AppError('not_found', `no model has id ${id}`);
      return reply.code(204).send();
    },
  });

  r.post(modelPredict.url, {
    logLevel: predictLogLevel,
    preParsing: replayLaneBody,
    schema: {
      summary: 'Outputs (and classes, for classifiers) for raw feature rows or records',
      description: predictDescription,
      tags: ['models'],
      params: idParams,
      body: predictBodySchema,
      response: {
        200: predictResponseSchema,
        400: problems[400],
        404: problems[404],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request) => predictWith(app, modelPredict, request),
  });
}

/** What GET /v1/models/:id shows of a stored model (POST /v1/models answers it too). */
export function modelView(doc: StoredModel) {
  const { format: _format, ...view } = doc;
  if (!doc.preprocessing) return view;
  // a table model: the columns predict reads, and its class list where clients look for it
  const classes = classesOf(doc);
  return {
    ...view,
    ...(classes ? { classes } : {}),
    columns: doc.preprocessing.columns.map(({ name, type }) => ({ name, type })),
  };
}

const notATable =
  'this model was trained on a numeric matrix, not a table with named columns: send inputs (rows of numbers)';

const rowIssue = (r: number, message: string) => ({ path: `inputs.${r}`, message });

/** POST /v1/models/:id/predict: `inputs` rows or `records` in, `outputs` (and `classes`) out. */
export const modelPredict: PredictEndpoint<
  z.infer<typeof predictBodySchema>,
  z.infer<typeof predictResponseSchema>
> = {
  url: '/v1/models/:id/predict',
  path: /^\/v1\/models\/([\w-]{1,64})\/predict$/,
  body: predictBodySchema,
  async answer(app, cached, _id, { inputs, records }) {
    const max = app.services.config.maxPredictRows;
    const table = tableOf(cached);
    const issues = new Issues();
    if (records !== undefined) {
      if (!table) throw new ValidationError([{ path: 'records', message: notATable }]);
      checkRowCount(records.length, max, 'records', issues);
      issues.throwIfAny();
      return tableAnswer(await predictTable(app, cached, table, records, recordsAt('records')));
    }
    const rows = inputs!;
    checkRowCount(rows.length, max, 'inputs', issues);
    issues.throwIfAny();
    if (table) {
      const { records: read, place } = recordsOfRows(table.pre, rows, 'inputs', issues);
      issues.throwIfAny();
      return tableAnswer(await predictTable(app, cached, table, read, place));
    }
    return matrixAnswer(app, cached, rows, issues);
  },
};

function tableAnswer({ outputs, classes, warnings }: TableAnswer) {
  return {
    outputs,
    ...(classes ? { classes } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** A model trained on a numeric matrix: rows of numbers of its input width. */
async function matrixAnswer(
  app: FastifyInstance,
  cached: CachedModel,
  inputs: readonly (readonly unknown[])[],
  issues: Issues,
) {
  const { doc, model } = cached;
  const width = model.shape.inputSize;
  // the rows straight into the model's float32 input, their widths and values checked on the way
  const x = new Float32Array(inputs.length * width);
  for (let i = 0; i < inputs.length; i++) {
    const row = inputs[i]!;
    if (row.length !== width) {
      issues.add(
        `inputs.${i}`,
        `has ${row.length} values; the model expects ${expectedWidth(cached)}`,
      );
      continue;
    }
    for (let c = 0; c < width; c++) {
      const v = row[c];
      if (isFeature(v)) x[i * width + c] = v as number;
      else issues.add(`inputs.${i}.${c}`, valueProblem(v)!);
    }
  }
  issues.throwIfAny();
  const n = outputSizeOf(model.shape);
  const y = await predictRows(app, cached, x, inputs.length, rowIssue);
  const outputs = rowsOf(y, inputs.length, n);
  const classes = doc.classes;
  if (!classes) return { outputs };
  return { outputs, classes: Array.from(argmaxRows(y, inputs.length, n), (c) => classes[c]!) };
}
