// Liveness (the process answers) and readiness (Redis answers on the API's own connection and
// on the training queue's, else 503: a queue that cannot reach Redis cannot take a job).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/healthz', {
    config: { public: true },
    schema: {
      summary: 'The process is up',
      tags: ['health'],
      security: [],
      response: { 200: z.object({ status: z.literal('ok') }) },
    },
    handler: async () => ({ status: 'ok' as const }),
  });
  r.get('/readyz', {
    config: { public: true },
    schema: {
      summary: 'Redis is reachable',
      tags: ['health'],
      security: [],
      response: {
        200: z.object({ status: z.literal('ready') }),
        503: z.object({ status: z.literal('unavailable'), detail: z.string() }),
      },
    },
    handler: async (_request, reply) => {
      try {
        const queue = app.services.queue.count().catch((err: Error) => {
          throw new Error(`the training queue's connection: ${err.message}`);
        });
        await Promise.race([
          Promise.all([app.services.redis.ping(), queue]),
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error('no answer within 1 s')), 1000),
          ),
        ]);
        return { status: 'ready' as const };
      } catch (err) {
        return reply
          .code(503)
          .send({ status: 'unavailable' as const, detail: `Redis: ${(err as Error).message}` });
      }
    },
  });
}
