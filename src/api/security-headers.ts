// What a browser is told about how far to trust our responses. Every response is nosniff: a JSON
// body is never read as a script or a page. The dashboard, which keeps a user's API key in the
// browser, also gets a Content-Security-Policy (only our own scripts, styles and calls; no inline
// code, no framing) and no Referer. Not CORS: the API does not serve other origins' pages.
import type { FastifyInstance } from 'fastify';

/** The dashboard's policy: what its page loads and calls is all served by this origin. */
export const dashboardPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'", // uPlot sizes its elements through element.style, which CSP allows
  "img-src 'self' data:", // the page's empty favicon is a data: URL
  "connect-src 'self'", // fetch and EventSource to the API
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'", // no clickjacking of the key form
].join('; ');

const dashboardHeaders = {
  'content-security-policy': dashboardPolicy,
  'x-frame-options': 'DENY', // frame-ancestors for browsers that predate it
  'referrer-policy': 'no-referrer',
};

/** The header every response carries (the fast lane's too, predict-lane.ts). */
export const noSniff = { 'x-content-type-options': 'nosniff' } as const;

/**
 * nosniff on every response the app sends (onSend: errors and 404s too). A callback hook, not an
 * async one: it runs on the predict path too, and needs no promise.
 */
export function registerNoSniff(app: FastifyInstance): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.headers(noSniff);
    done(null, payload);
  });
}

/** The dashboard's headers on every route of the (encapsulated) plugin that calls this. */
export function addDashboardHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(dashboardHeaders);
    return payload;
  });
}
