// Sweeps (issue 17): submit one, read it (its trials and best), list them (newest first, cursor
// pages), cancel it. Its live events are sweep-events.ts's. The checks and the running are
// src/jobs/sweeps.ts and sweep-runs.ts; this file is HTTP.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { cancelJob } from '../../jobs/cancel.js';
import { createLifecycle } from '../../jobs/lifecycle.js';
import { cancelSweep, getSweep, submitSweep } from '../../jobs/sweeps.js';
import { objectiveMetrics, sweepSchema } from '../../spec/index.js';
import { sweepStatuses, trialStatuses } from '../../store/index.js';
import { authProblems, idParams, problems } from '../schemas.js';

const paramValue = z.union([z.number(), z.string(), z.boolean()]);
const params = z
  .record(z.string(), paramValue)
  .describe("the trial's parameters, keyed by the sweep's dotted paths");

const trialSchema = z.object({
  index: z.number().int(),
  jobId: z.string().describe('its training job (GET /v1/jobs/:id; made when the trial is queued)'),
  params,
  status: z
    .enum(trialStatuses)
    .describe('pending: waiting for one of the `parallel` places; then its job’s status'),
  metric: z.number().nullable().describe("the objective's value at its end (pruned: at its rung)"),
  epochs: z.number().int().describe('the epochs it reached'),
});

const bestSchema = z
  .object({
    index: z.number().int(),
    jobId: z.string(),
    modelId: z.string().nullable().describe("the trial's own model"),
    params,
    metric: z.number(),
  })
  .nullable()
  .describe('the succeeded trial with the best objective so far (of equals, the lower index)');

const summaryShape = {
  id: z.string(),
  status: z.enum(sweepStatuses),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  objective: z.object({
    metric: z.enum(objectiveMetrics),
    goal: z.enum(['minimize', 'maximize']),
  }),
  trialCount: z.number().int(),
  counts: z.object(Object.fromEntries(trialStatuses.map((s) => [s, z.number().int()]))),
  best: bestSchema,
  model: z
    .object({
      id: z.string(),
      name: z.string(),
      version: z.number().int(),
      alias: z.string().optional(),
    })
    .optional()
    .describe("the best trial's model, registered under the sweep's model name once it ended"),
  error: z.string().optional().describe('why it failed'),
};

export const sweepSummarySchema = z.object(summaryShape).meta({ id: 'SweepSummary' });
export const sweepViewSchema = z
  .object({
    ...summaryShape,
    method: z.enum(['grid', 'random']),
    parallel: z.number().int(),
    request: z.unknown().describe('the sweep as submitted, its defaults filled in'),
    trials: z.array(trialSchema),
  })
  .meta({ id: 'Sweep' });

const listQuery = z.strictObject({
  status: z.enum(sweepStatuses).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(64).optional(),
});

type View = Awaited<ReturnType<typeof getSweep>>;

/** The sweep as the API shows it. */
export const sweepView = (v: View) => ({
  ...v,
  method: v.request.method,
  parallel: v.request.parallel,
});

export async function sweepRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/v1/sweeps', {
    schema: {
      summary: 'Start a hyperparameter sweep',
      description:
        "A job spec, the fields of it to vary (dotted paths, each with a distribution: `values`, `uniform`, `logUniform`, `intUniform`), `grid` or seeded `random` search, an objective (default: minimise the validation error) and, optionally, early stopping by ASHA. Every trial's spec is checked as POST /v1/jobs would before anything is queued: a refusal names the parameter (`parameters.<path>`). Trials are training jobs (with `sweepId`), at most `parallel` at once across all workers, every one from the same seed; under ASHA a trial is judged at each rung against the lower-indexed trials there, so a sweep prunes the same trials on every run. When it ends, the best trial's model is registered under `model.name` (with `model.alias`).",
      tags: ['sweeps'],
      body: sweepSchema.meta({
        id: 'SweepRequest',
        description: 'A job spec, the fields of it to vary, how to search and how to judge',
        examples: [
          {
            spec: {
              network: {
                inputSize: 4,
                layers: [
                  { units: 16, activation: 'relu' },
                  { units: 3, activation: 'softmax' },
                ],
                divergence: 'cross_entropy',
              },
              dataset: { builtin: 'iris' },
              training: { epochs: 100, validationSplit: 0.2, optimizer: 'adam', seed: 1 },
            },
            parameters: {
              'training.learningRate': { logUniform: [0.0003, 0.1] },
              'training.batchSize': { values: [16, 32, 64] },
              'network.layers.0.units': { intUniform: [8, 128] },
            },
            method: 'random',
            trials: 20,
            parallel: 4,
            objective: { metric: 'validationError', goal: 'minimize' },
            earlyStopping: { method: 'asha', minEpochs: 5, reductionFactor: 3 },
            model: { name: 'iris', alias: 'best' },
          },
        ],
      }),
      response: {
        202: sweepViewSchema,
        400: problems[400],
        404: problems[404],
        409: problems[409],
        413: problems[413],
        415: problems[415],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const { config } = app.services;
      const deps = { config, sweepQueue: app.services.sweepQueue };
      const view = await submitSweep(deps, request.stores, request.body);
      return reply.code(202).header('location', `/v1/sweeps/${view.id}`).send(sweepView(view));
    },
  });

  r.get('/v1/sweeps', {
    schema: {
      summary: 'List sweeps, newest first',
      tags: ['sweeps'],
      querystring: listQuery,
      response: {
        200: z.object({ sweeps: z.array(sweepSummarySchema), nextCursor: z.string().nullable() }),
        400: problems[400],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request) => request.stores.sweeps.list(request.query),
  });

  r.get('/v1/sweeps/:id', {
    schema: {
      summary: 'A sweep: status, trials (params, status, metric, epochs), the best',
      tags: ['sweeps'],
      params: idParams,
      response: { 200: sweepViewSchema, 404: problems[404], ...authProblems, 503: problems[503] },
    },
    handler: async (request) => sweepView(await getSweep(request.stores, request.params.id)),
  });

  r.delete('/v1/sweeps/:id', {
    schema: {
      summary: 'Delete an ended sweep',
      description:
        "Deletes the sweep's record (its trials, rungs and best); not its trials' jobs (DELETE /v1/jobs/:id) nor any model. A running sweep answers 409: cancel it first.",
      tags: ['sweeps'],
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
      const outcome = await request.stores.sweeps.delete(id);
      if (outcome === 'missing') throw new AppError('not_found', `no sweep has id ${id}`);
      if (outcome === 'running')
        throw new AppError(
          'conflict',
          `sweep ${id} is running: cancel it first (POST /v1/sweeps/${id}/cancel), then delete it`,
        );
      return reply.code(204).send();
    },
  });

  r.post('/v1/sweeps/:id/cancel', {
    schema: {
      summary: 'Cancel a sweep',
      description:
        'No trial starts any more; pending and queued trials are cancelled at once, running ones stop within a mini-batch. A sweep that has ended answers 409.',
      tags: ['sweeps'],
      params: idParams,
      response: {
        200: sweepViewSchema,
        404: problems[404],
        409: problems[409],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request) => {
      const { services } = app;
      const { stores } = request;
      const lifecycle = createLifecycle(stores, services.notify);
      const stop = (jobId: string) => cancelJob(lifecycle, stores, services.queue, jobId);
      return sweepView(await cancelSweep(stores, request.params.id, stop));
    },
  });
}
