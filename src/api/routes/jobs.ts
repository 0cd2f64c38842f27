// Training jobs: submit, read, list (newest first, cursor pages), cancel and delete.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { cancelJob } from '../../jobs/cancel.js';
import { refuseDeletingFold } from '../../jobs/cross-validation.js';
import { createLifecycle } from '../../jobs/lifecycle.js';
import { submitJob } from '../../jobs/submit.js';
import { trialJobIds } from '../../jobs/sweeps.js';
import { type JobRecord, jobSchema, jobView, jobViewSchema } from '../../spec/index.js';
import type { Stores } from '../../store/index.js';
import { authProblems, idParams, jobListQuery, jobListSchema, problems } from '../schemas.js';
import { idempotencyHeaders, sendSubmitted } from '../submitted.js';

/** The tenant's job, or a 404 naming the id. */
export async function getJob(stores: Stores, id: string): Promise<JobRecord> {
  const record = await stores.jobs.get(id);
  if (!record) throw new AppError('not_found', `no job has id ${id}`);
  return record;
}

export async function jobRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/v1/jobs', {
    schema: {
      summary: 'Submit a training job',
      description:
        'The body is the job spec (the same JSON `backprop train` reads). The dataset is `{id}` of an uploaded dataset, inline rows, a built-in set or a generator. Send `Idempotency-Key` to make retries safe.',
      tags: ['jobs'],
      body: jobSchema.meta({
        id: 'JobSpec',
        description: 'A training job: the network, its data, how to train, and a webhook',
        examples: [
          {
            network: {
              inputSize: 4,
              layers: [
                { units: 16, activation: 'relu' },
                { units: 3, activation: 'softmax' },
              ],
              divergence: 'cross_entropy',
            },
            dataset: { builtin: 'iris', subset: 'train' },
            training: { epochs: 200, batchSize: 32, learningRate: 0.05, seed: 1 },
            webhook: { url: 'https://hooks.example.com/backprop', events: ['done', 'failed'] },
          },
        ],
      }),
      headers: idempotencyHeaders,
      response: {
        202: jobViewSchema,
        200: jobViewSchema,
        400: problems[400],
        409: problems[409],
        413: problems[413],
        415: problems[415],
        422: problems[422],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const submitted = await submitJob(
        app.services,
        request.stores,
        request.body,
        request.headers['idempotency-key'],
        request.log,
      );
      return sendSubmitted(reply, request.stores, submitted);
    },
  });

  r.get('/v1/jobs', {
    schema: {
      summary: 'List jobs, newest first',
      tags: ['jobs'],
      querystring: jobListQuery,
      response: {
        200: jobListSchema,
        400: problems[400],
        ...authProblems,
        404: problems[404],
        503: problems[503],
      },
    },
    handler: async (request) => {
      const { sweepId, ...query } = request.query;
      const ids = sweepId === undefined ? undefined : await trialJobIds(request.stores, sweepId);
      const { jobs, nextCursor } = await request.stores.jobs.list({ ...query, ids });
      return { jobs: jobs.map(jobView), nextCursor };
    },
  });

  r.get('/v1/jobs/:id', {
    schema: {
      summary: 'A job: status, resolved spec and seed, progress, metrics, model id',
      tags: ['jobs'],
      params: idParams,
      response: { 200: jobViewSchema, 404: problems[404], ...authProblems, 503: problems[503] },
    },
    handler: async (request) => jobView(await getJob(request.stores, request.params.id)),
  });

  r.post('/v1/jobs/:id/cancel', {
    schema: {
      summary: 'Cancel a job',
      description:
        'A queued job never starts; a running one stops within a mini-batch (the answer waits up to two seconds for it). A finished job answers 409.',
      tags: ['jobs'],
      params: idParams,
      response: {
        200: jobViewSchema,
        404: problems[404],
        409: problems[409],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request) => {
      const { services } = app;
      const lifecycle = createLifecycle(request.stores, services.notify);
      return jobView(await cancelJob(lifecycle, request.stores, services.queue, request.params.id));
    },
  });

  r.delete('/v1/jobs/:id', {
    schema: {
      summary: 'Delete a finished job',
      description:
        'Deletes a finished job with everything it owns: record, events, checkpoint, Idempotency-Key, inline dataset; not its model (DELETE /v1/models/:id). A queued or running job answers 409: cancel it first; so does a fold job of a cross-validated job not finished yet.',
      tags: ['jobs'],
      params: idParams,
      response: {
        204: z.undefined().describe('deleted'),
        404: problems[404],
        409: problems[409],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      await refuseDeletingFold(request.stores, id);
      const outcome = await request.stores.jobs.remove(id);
      if (outcome === 'missing') throw new AppError('not_found', `no job has id ${id}`);
      if (outcome !== 'ok')
        throw new AppError(
          'conflict',
          `job ${id} is ${outcome}: cancel it first (POST /v1/jobs/${id}/cancel), then delete it`,
        );
      // BullMQ's own record of it, if still kept (best effort: it expires by itself)
      await app.services.queue.remove(id).catch(() => 0);
      return reply.code(204).send();
    },
  });
}
