// bull-board at /admin/queues: the BullMQ queues `training` and `webhooks`, read-only, for admin
// tenants only, its errors as problem+json (queue-board-errors.ts). Not a way to change jobs:
// their records and events live in our own store, and the board would bypass it.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { tokenCookie } from './auth.js';
import { boardErrorsAsProblems } from './queue-board-errors.js';

export const queueBoardPath = '/admin/queues';

// what a cookie value may hold unquoted (RFC 6265 cookie-octet, less a few rare ones)
const cookieSafe = /^[\w.~+/=-]+$/;

/** Register with `{ prefix: queueBoardPath }`. */
export async function queueBoardRoutes(app: FastifyInstance): Promise<void> {
  const { config, queue, webhooks } = app.services;

  // Every route of the board (page, API, static files) is admin-only. A browser cannot send
  // the Authorization header when it opens the page, so the key may come as ?access_token=
  // once, and rides in a cookie scoped to the board from then on.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, admin: true, queryToken: true, cookieToken: true };
  });
  app.addHook('onRequest', async (request, reply) => {
    const { access_token: token } = request.query as { access_token?: unknown };
    if (typeof token !== 'string' || request.headers.authorization || config.apiKeys.length === 0)
      return;
    if (!cookieSafe.test(token)) return; // our keys are; one that is not stays in the query
    // the auth hook took this key: keep it in the cookie, and out of the address bar
    const secure = request.protocol === 'https' ? '; Secure' : '';
    reply.header(
      'set-cookie',
      `${tokenCookie}=${token}; Path=${queueBoardPath}; HttpOnly; SameSite=Strict${secure}`,
    );
    const { pathname, searchParams } = new URL(request.url, 'http://board');
    searchParams.delete('access_token');
    const search = searchParams.size > 0 ? `?${searchParams}` : '';
    if (request.method === 'GET') return reply.redirect(pathname + search, 303);
  });

  boardErrorsAsProblems(app, [queue.name, webhooks.name]);
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(queueBoardPath);
  createBullBoard({
    queues: [queue, webhooks].map((q) => new BullMQAdapter(q, { readOnlyMode: true })),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'backprop queues' } },
  });
  // the board would answer every error (our 401 and 403 too) with its own JSON and status 500:
  // rethrown, they reach the app's problem+json handler (https://fastify.dev/docs/latest/Reference/Server/#seterrorhandler)
  serverAdapter.setErrorHandler((error) => {
    throw error;
  });
  await app.register(serverAdapter.registerPlugin());
}
