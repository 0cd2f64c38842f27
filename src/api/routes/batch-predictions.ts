// Batch predictions (issue 15): POST /v1/models/:ref/batch-predictions submits a job that scores
// every row of a stored dataset (src/jobs/batch-predictions.ts); GET /v1/jobs/:id/output streams
// its CSV from storage a chunk at a time, never the whole file in memory. The job is read,
// followed and cancelled by the job routes like any other.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { submitJob } from '../../jobs/submit.js';
import { batchPredictionRequestSchema, isTrainingSpec, jobViewSchema } from '../../spec/index.js';
import { authProblems, idParams, problems, refParams } from '../schemas.js';
import { idempotencyHeaders, sendSubmitted } from '../submitted.js';
import { getJob } from './jobs.js';

/** The columns of the output, for the route's documentation and the README. */
export const outputDescription =
  "The CSV has the dataset's columns as stored (a missing cell blank), then `prediction` (the class, or the value in the label's units), `probability_<class>` per class in the model's class order (classifiers), and `error`: empty, or why the row could not be scored (a cell its column cannot read, such as a word in a number column; its prediction cells are then empty). A numeric-rows dataset gives its feature columns (its names, or x0, x1, …) and its `label` or `target` first; a matrix model with several outputs and no classes gives `output_<i>`. A name the input already has gets a leading `_`.";

export async function batchPredictionRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/v1/models/:id/batch-predictions', {
    schema: {
      summary: 'Score every row of a stored dataset with the model (a job)',
      description: `A job like training: queued, followed at GET /v1/jobs/:id/events (\`progress\` events: rows scored of all), cancelled at POST /v1/jobs/:id/cancel. The model reference is resolved now and the job keeps its id. A dataset uploaded without ?label= is fine. When it succeeds, \`output\` names GET /v1/jobs/:id/output. ${outputDescription}`,
      tags: ['models', 'jobs'],
      params: refParams,
      body: batchPredictionRequestSchema,
      headers: idempotencyHeaders,
      response: {
        202: jobViewSchema,
        200: jobViewSchema,
        400: problems[400],
        404: problems[404],
        409: problems[409],
        413: problems[413],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const spec = { ...request.body, model: request.params.id };
      const submitted = await submitJob(
        app.services,
        request.stores,
        spec,
        request.headers['idempotency-key'],
        request.log,
        'batch-predictions',
      );
      return sendSubmitted(reply, request.stores, submitted);
    },
  });

  r.get('/v1/jobs/:id/output', {
    schema: {
      summary: "A batch-predictions job's output: CSV, streamed",
      description: `Ready once the job has succeeded (409 before; 404 for a job of another kind, or once it expired with the job). ${outputDescription}`,
      tags: ['jobs'],
      params: idParams,
      response: {
        200: {
          description: 'the CSV',
          content: { 'text/csv': { schema: z.string() } },
        },
        404: problems[404],
        409: problems[409],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const { id } = request.params;
      const record = await getJob(request.stores, id);
      if (isTrainingSpec(record.spec))
        throw new AppError(
          'not_found',
          `job ${id} is a training job, which has no output: its model is ${record.modelId ?? 'not made yet'}`,
        );
      if (record.status !== 'succeeded')
        throw new AppError(
          'conflict',
          `job ${id} is ${record.status}: its output is ready once it has succeeded`,
        );
      const chunks = request.stores.outputs;
      if ((await chunks.chunks(id)) === 0)
        throw new AppError('not_found', `the output of job ${id} has expired`);
      // the chunks as they are read, one ahead at most (not the 16 an object stream buffers by
      // default): the response never holds the whole CSV. Strings go to the socket as they are
      // (as Buffers they would be garbage off the heap, collected only past V8's external limit)
      const body = Readable.from(chunks.read(id), { highWaterMark: 1 });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${id}.csv"`)
        .send(body as unknown as string);
    },
  });
}
