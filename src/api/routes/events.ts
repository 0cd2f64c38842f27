// A job's events as Server-Sent Events, read from the job's own Redis Stream: every event has
// the stream id as its SSE id, a reconnect with Last-Event-ID resumes right after it, a comment
// heartbeat keeps idle connections open, and the stream closes after done, failed or cancelled.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { finalEventTypes, type StoredEvent } from '../../store/index.js';
import { authProblems, idParams, problems } from '../schemas.js';

const streamIdPattern = /^\d{1,20}-\d{1,20}$/;
const maxU64 = 2n ** 64n - 1n;

// Redis stream ids are two unsigned 64-bit numbers; a larger one would make XREAD fail after the
// 200 was sent, and the client would reconnect with it forever.
const eventId = z
  .string()
  .regex(streamIdPattern, 'must be an event id such as 1732660000000-0')
  .refine(
    (id) => !streamIdPattern.test(id) || id.split('-').every((part) => BigInt(part) <= maxU64),
    'is not an event id of this stream: each part must be below 2^64',
  );

const eventsQuery = z.strictObject({
  lastEventId: eventId.optional(),
  access_token: z
    .string()
    .max(200)
    .optional()
    .describe('the API key, for clients that cannot send headers (EventSource)'),
});
const eventsHeaders = z.object({ 'last-event-id': eventId.optional() });

function frame({ id, event }: StoredEvent): string {
  return `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export async function eventRoutes(app: FastifyInstance): Promise<void> {
  // open streams, ended cleanly when the app closes (SIGTERM): the client's EventSource then
  // reconnects with Last-Event-ID, to another API process, and loses nothing
  const streams = new Map<() => void, Promise<void>>(); // end() → ended
  app.addHook('preClose', async () => {
    const ended = [...streams].map(([end, done]) => {
      end();
      return done;
    });
    await Promise.race([Promise.all(ended), new Promise((r) => setTimeout(r, 2000))]);
  });

  app.withTypeProvider<ZodTypeProvider>().get('/v1/jobs/:id/events', {
    config: { queryToken: true }, // a browser's EventSource cannot send headers
    schema: {
      summary: "Stream a job's events (Server-Sent Events)",
      description:
        'Events `status`, `epoch` (one per epoch), then `done`, `failed` or `cancelled`, after which the stream ends. Each has an id; reconnect with `Last-Event-ID` (or `?lastEventId=`) to resume with nothing lost or repeated. A client that connects after the job ended gets the whole history.',
      tags: ['jobs'],
      params: idParams,
      querystring: eventsQuery,
      headers: eventsHeaders,
      response: {
        200: z.string().describe('text/event-stream'),
        400: problems[400],
        404: problems[404],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const { redis, config } = app.services;
      const { stores } = request;
      const id = request.params.id;
      if (!(await stores.jobs.get(id))) throw new AppError('not_found', `no job has id ${id}`);
      let last = request.headers['last-event-id'] ?? request.query.lastEventId ?? '0';
      const reader = redis.duplicate(); // XREAD BLOCK holds its connection
      reader.on('error', () => {});
      let open = true;
      const end = () => {
        open = false;
        reader.disconnect();
      };
      let ended = () => {};
      streams.set(
        end,
        new Promise<void>((r) => {
          ended = r;
        }),
      );
      request.raw.on('close', end);
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      out.write(`retry: 1000\n\n`);
      try {
        while (open) {
          const events = await stores.events.waitAfter(reader, id, last, config.sseHeartbeatMs);
          if (events.length === 0) {
            out.write(': heartbeat\n\n');
            continue;
          }
          for (const e of events) {
            out.write(frame(e));
            last = e.id;
            if (finalEventTypes.has(e.event.type)) open = false;
          }
        }
      } catch (err) {
        if (open) request.log.warn({ err, jobId: id }, 'event stream ended early');
      } finally {
        streams.delete(end);
        reader.disconnect();
        // flushed (or the client gone): an app closing may go on
        out.once('finish', ended);
        out.once('close', ended);
        out.end();
      }
    },
  });
}
