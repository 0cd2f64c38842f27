// POST /v1/models/:ref/reproduce (issue 15): a training job that retrains a model from its
// receipt alone; when it succeeds its `done` event (and the job) says whether the new weights
// are the original's, bit for bit. The spec and its checks are jobs/reproduce.ts's.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError, ValidationError } from '../../errors.js';
import { reproductionJob } from '../../jobs/reproduce.js';
import { submitJob } from '../../jobs/submit.js';
import { jobViewSchema } from '../../spec/index.js';
import { authProblems, problems, refParams } from '../schemas.js';
import { idempotencyHeaders, sendSubmitted } from '../submitted.js';

export async function reproduceRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/v1/models/:id/reproduce', {
    schema: {
      summary: "Retrain a model from its receipt alone, and check the weights' SHA-256",
      description:
        "Starts a training job with the model's receipt: its network, dataset reference, resolved training (seed included) and the model it was warm-started from. The job's `spec.reproduces` names the model; when it succeeds, its `done` event and the job's `reproduction` say whether the new weights hash as the original's (`equal`), and if not what differed (the data's SHA-256, the engine version, the kernels). The new model has no name: it is not a version of the original's. A model without a receipt (imported from a file without one, or trained before receipts), or whose dataset or start model was deleted, is a 409 saying which.",
      tags: ['models'],
      params: refParams,
      headers: idempotencyHeaders,
      response: {
        202: jobViewSchema,
        200: jobViewSchema,
        404: problems[404],
        409: problems[409],
        413: problems[413],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const ref = request.params.id;
      const id = await request.stores.models.resolve(ref);
      const model = id === null ? null : await request.stores.models.get(id);
      if (!model) throw await request.stores.models.notFound(ref);
      const { spec, reproduces } = await reproductionJob(
        app.services.config,
        request.stores,
        model,
      );
      const submitted = await submitJob(
        app.services,
        request.stores,
        spec,
        request.headers['idempotency-key'],
        request.log,
        'training',
        { reproduces },
      ).catch((error: unknown) => {
        // the receipt no longer fits the data or this service's limits: not the client's body
        if (!(error instanceof ValidationError)) throw error;
        const what = error.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
        throw new AppError('conflict', `the receipt's job is refused now (${what})`);
      });
      return sendSubmitted(reply, request.stores, submitted);
    },
  });
}
