// Trained models: the document (spec, metrics, weights in the notes' convention) and
// prediction, which runs the forward pass in this process on a cached copy of the model.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { rowsOf } from '../../data/index.js';
import { argmaxRows, outputSizeOf } from '../../engine/index.js';
import { AppError, type Issue, ValidationError } from '../../errors.js';
import type { Stores } from '../../store/index.js';
import {
  authProblems,
  idParams,
  modelViewSchema,
  predictBodySchema,
  predictResponseSchema,
  problems,
} from '../schemas.js';
import type { CachedModel } from '../services.js';

async function getModel(app: FastifyInstance, stores: Stores, id: string): Promise<CachedModel> {
  const cached = await app.services.models.get(stores, id);
  if (!cached) throw new AppError('not_found', `no model has id ${id}`);
  return cached;
}

// Values far outside the training data can overflow float32 inside the network (the scaler and
// weights multiply them): such rows have no outputs to give, and NaN cannot be sent as JSON.
function throwIfOverflowed(y: Float32Array, rows: number, n: number): void {
  const issues: Issue[] = [];
  for (let r = 0; r < rows && issues.length < 10; r++) {
    if (!y.subarray(r * n, (r + 1) * n).every(Number.isFinite)) {
      issues.push({
        path: `inputs.${r}`,
        message:
          'overflows 32-bit floats inside the model: its values are far outside the training data; scale them like the data the model was trained on',
      });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);
}

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

  r.post('/v1/models/:id/predict', {
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
    handler: async (request) => {
      const { doc, model, predict } = await getModel(app, request.stores, request.params.id);
      const { inputs } = request.body;
      const width = model.shape.inputSize;
      const max = app.services.config.maxPredictRows;
      if (inputs.length > max) {
        throw new ValidationError([
          { path: 'inputs', message: `has ${inputs.length} rows; send at most ${max} per request` },
        ]);
      }
      const issues: Issue[] = [];
      inputs.forEach((row, i) => {
        if (row.length !== width && issues.length < 10) {
          const names = doc.featureNames ? ` (${doc.featureNames.join(', ')})` : '';
          issues.push({
            path: `inputs.${i}`,
            message: `has ${row.length} values; the model expects ${width}${names}`,
          });
        }
      });
      if (issues.length > 0) throw new ValidationError(issues);
      const n = outputSizeOf(model.shape);
      const y = predict(Float32Array.from(inputs.flat()), inputs.length);
      throwIfOverflowed(y, inputs.length, n);
      const outputs = rowsOf(y, inputs.length, n);
      const classes = doc.classes;
      if (!classes) return { outputs };
      return { outputs, classes: Array.from(argmaxRows(y, inputs.length, n), (c) => classes[c]!) };
    },
  });
}
