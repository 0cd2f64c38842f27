// A job's events as Server-Sent Events, read from the job's own Redis Stream: every event has
// the stream id as its SSE id, a reconnect with Last-Event-ID resumes right after it, a comment
// heartbeat keeps idle connections open, and the stream ends once the job is finished and all
// is sent. Streams share one blocking reader per process (event-hub.ts), a few per tenant.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { finalEventTypes, finalStatuses } from '../../spec/index.js';
import { compareEventIds, duplicateRedis, type StoredEvent } from '../../store/index.js';
import { createEventHub, type Subscription } from '../event-hub.js';
import { authProblems, idParams, problems } from '../schemas.js';
import { openSse } from '../sse.js';

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

/** Answers 200 text/event-stream; what it returns writes each event once, in order. */
function openStream(reply: FastifyReply, from: string) {
  const { out, end } = openSse(reply);
  const state = { last: from, finished: false };
  return {
    state,
    write(events: StoredEvent[]) {
      for (const e of events) {
        if (state.finished || compareEventIds(e.id, state.last) <= 0) continue; // sent already
        out.write(frame(e));
        state.last = e.id;
        if (finalEventTypes.has(e.event.type)) state.finished = true;
      }
    },
    heartbeat: () => out.write(': heartbeat\n\n'),
    /** Ends the response; resolves once it is flushed (or the client is gone). */
    end,
  };
}

type Writer = ReturnType<typeof openStream>;

/**
 * Follows the job until its final event, or until it is found finished (or gone) with nothing
 * left after the last event sent: its events expired, or were trimmed, or it was deleted.
 */
async function follow(request: FastifyRequest, id: string, writer: Writer, events: Subscription) {
  const { stores } = request;
  const heartbeatMs = request.server.services.config.sseHeartbeatMs;
  while (!writer.state.finished) {
    const batch = await events.next(heartbeatMs);
    if (batch === null) return; // the client left, or the app is closing
    if (batch.length > 0) {
      writer.write(batch);
      continue;
    }
    const job = await stores.jobs.get(id);
    if (!job || finalStatuses.includes(job.status)) {
      const rest = await stores.events.after(id, writer.state.last);
      if (rest.length === 0) return;
      writer.write(rest);
    } else writer.heartbeat();
  }
}

export async function eventRoutes(app: FastifyInstance): Promise<void> {
  const { redis, config } = app.services;
  const hub = createEventHub(
    duplicateRedis(redis, { connectionName: `${config.keyPrefix}:api-events`, lazyConnect: true }),
    redis,
  );
  const openByTenant = new Map<string, number>();
  // open streams, ended cleanly when the app closes (SIGTERM): the client's EventSource then
  // reconnects with Last-Event-ID, to another API process, and loses nothing
  const streams = new Map<Subscription, Promise<void>>(); // → ended
  app.addHook('preClose', async () => {
    for (const events of streams.keys()) events.close();
    await Promise.race([Promise.all(streams.values()), new Promise((r) => setTimeout(r, 2000))]);
  });
  app.addHook('onClose', async () => hub.close());

  /** Counts the stream against its tenant's MAX_TENANT_STREAMS; returns its release. */
  const claimSlot = (tenant: string): (() => void) => {
    const open = openByTenant.get(tenant) ?? 0;
    if (open >= config.maxTenantStreams)
      throw new AppError(
        'too_many_requests',
        `your tenant has ${open} event streams open on this server, the most it may (MAX_TENANT_STREAMS = ${config.maxTenantStreams}): close one (EventSource.close()) or follow fewer jobs at once`,
      );
    openByTenant.set(tenant, open + 1);
    return () => {
      const left = (openByTenant.get(tenant) ?? 1) - 1;
      if (left > 0) openByTenant.set(tenant, left);
      else openByTenant.delete(tenant);
    };
  };

  app.withTypeProvider<ZodTypeProvider>().get('/v1/jobs/:id/events', {
    config: { queryToken: true }, // a browser's EventSource cannot send headers
    schema: {
      summary: "Stream a job's events (Server-Sent Events)",
      description:
        'Events `status`, `epoch` (one per epoch), then `done`, `failed` or `cancelled`, after which the stream ends. Each has an id; reconnect with `Last-Event-ID` (or `?lastEventId=`) to resume with nothing lost or repeated. A client that connects after the job ended gets the whole history; one that resumes after its last event (or after its events expired) gets 204, which tells an EventSource not to reconnect. A tenant has at most MAX_TENANT_STREAMS streams open per server (429).',
      tags: ['jobs'],
      params: idParams,
      querystring: eventsQuery,
      headers: eventsHeaders,
      response: {
        200: z.string().describe('text/event-stream'),
        204: z.null().describe('the job is finished and no event follows the one given'),
        400: problems[400],
        404: problems[404],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const { stores } = request;
      const id = request.params.id;
      const job = await stores.jobs.get(id);
      if (!job) throw new AppError('not_found', `no job has id ${id}`);
      const from = request.headers['last-event-id'] ?? request.query.lastEventId ?? '0';
      // the job read before its events: if it was finished then, every event is in this read
      const backlog = await stores.events.after(id, from);
      if (backlog.length === 0 && finalStatuses.includes(job.status))
        return reply.code(204).send(null);
      const release = claimSlot(request.tenant);
      const writer = openStream(reply, from);
      writer.write(backlog);
      if (writer.state.finished) {
        release(); // a finished job's whole history: nothing to wait for
        return writer.end();
      }
      const events = hub.subscribe(stores.keys.jobEvents(id), writer.state.last);
      let ended = () => {};
      streams.set(events, new Promise<void>((r) => (ended = r)));
      request.raw.on('close', () => events.close());
      if (request.raw.destroyed) events.close(); // left while its history was read
      try {
        await follow(request, id, writer, events);
      } catch (err) {
        request.log.warn({ err, jobId: id }, 'event stream ended early');
      } finally {
        events.close();
        release();
        await writer.end();
        streams.delete(events);
        ended(); // an app closing may go on
      }
    },
  });
}
