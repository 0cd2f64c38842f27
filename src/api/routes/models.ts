// Trained models: the document (spec, metrics, weights in the notes' convention) and
// prediction, which runs the forward pass in this process on a cached copy of the model.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { rowsOf } from '../../data/index.js';
import { argmaxRows, outputSizeOf } from '../../engine/index.js';
import { AppError, type Issue, ValidationError } from '../../errors.js';
import {
  getModel,
  type PredictEndpoint,
  predictLogLevel,
  predictRows,
  predictWith,
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

export async function modelRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/models/:id', {
    schema: {
      summary: 'A trained model: spec, metrics, weights (W_k is [D_k][D_k-1])',
      tags: ['models'],
      params: idParams,
      response: { 200: modelViewSchema, 404: problems[404], ...authProblems, 503: problems[503] },
    },
    handler: async (request) => {
      const { doc } = await getModel(app, request.stores, request.params.id);
      const { format: _format, ...view } = doc;
      return view;
    },
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
      summary: 'Outputs (and classes, for classifiers) for raw feature rows',
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

const rowIssue = (r: number, message: string) => ({ path: `inputs.${r}`, message });

/** POST /v1/models/:id/predict: `inputs` rows in, `outputs` (and `classes`) out. */
export const modelPredict: PredictEndpoint<
  z.infer<typeof predictBodySchema>,
  z.infer<typeof predictResponseSchema>
> = {
  url: '/v1/models/:id/predict',
  path: /^\/v1\/models\/([\w-]{1,64})\/predict$/,
  body: predictBodySchema,
  async answer(app, cached, _id, { inputs }) {
    const { doc, model } = cached;
    const width = model.shape.inputSize;
    const max = app.services.config.maxPredictRows;
    if (inputs.length > max) {
      throw new ValidationError([
        { path: 'inputs', message: `has ${inputs.length} rows; send at most ${max} per request` },
      ]);
    }
    // the rows straight into the model's float32 input, their widths checked on the way
    const x = new Float32Array(inputs.length * width);
    const issues: Issue[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const row = inputs[i]!;
      if (row.length === width) x.set(row, i * width);
      else if (issues.length < 10) {
        const names = doc.featureNames ? ` (${doc.featureNames.join(', ')})` : '';
        issues.push({
          path: `inputs.${i}`,
          message: `has ${row.length} values; the model expects ${width}${names}`,
        });
      }
    }
    if (issues.length > 0) throw new ValidationError(issues);
    const n = outputSizeOf(model.shape);
    const y = await predictRows(app, cached, x, inputs.length, rowIssue);
    const outputs = rowsOf(y, inputs.length, n);
    const classes = doc.classes;
    if (!classes) return { outputs };
    return { outputs, classes: Array.from(argmaxRows(y, inputs.length, n), (c) => classes[c]!) };
  },
};
