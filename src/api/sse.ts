// A Server-Sent Events response: the reply taken over from Fastify, the stream's headers, a
// reconnect delay of a second, and an end that resolves once the response is flushed (or its
// client is gone). Shared by a job's events (routes/events.ts) and a sweep's (sweep-events.ts).
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

export interface SseStream {
  out: ServerResponse;
  end(): Promise<void>;
}

/** Answers 200 text/event-stream on `reply`; write frames to `out`, then `end()`. */
export function openSse(reply: FastifyReply): SseStream {
  reply.hijack();
  const out = reply.raw;
  // its socket lives past CONNECTION_TIMEOUT_MS while it waits (inject's socket has no timeout)
  out.socket?.setTimeout?.(0);
  out.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  out.write('retry: 1000\n\n');
  return {
    out,
    end: () =>
      new Promise<void>((resolve) => {
        if (out.destroyed) return resolve(); // the client left: its 'close' has been
        out.once('finish', resolve);
        out.once('close', resolve);
        out.end();
      }),
  };
}
