// The fast lane: the predict routes' ordinary requests answered by Node's HTTP server before
// Fastify sees them. A small prediction is a few microseconds of arithmetic; Fastify's request
// lifecycle around it (request and reply objects, hooks, parser, validator, serializer) cost
// several times that, which held predict to a third of a bare Fastify route (issue 12). The lane
// takes a request only when everything about it is ordinary — a predict URL, a JSON body of
// known length, a key the auth hook would accept, the model in this process's cache — and
// answers only success: whatever else happens (a body to refuse, rows to report, a model to
// load) it hands the request, with the body it read, to Fastify, whose route then answers it
// exactly as it would have (its preParsing hook, replayLaneBody, gives the route that body).
// So every error, header and status stays the route's own; the lane only ever says 200.
// Not here: the routes' work (each route's PredictEndpoint, predict.ts), auth (auth.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyInstance, preParsingHookHandler } from 'fastify';
import type { TenantOfHeaders } from './auth.js';
import { fastCheckOf } from './fast-path.js';
import { nestsDeeperThan } from './json-body.js';
import type { ObserveRequest } from './metrics.js';
import type { PredictEndpoint } from './predict.js';
import { noSniff } from './security-headers.js';

/** Bodies up to this size may take the lane; larger ones spend their time on work, not overhead. */
export const laneMaxBodyBytes = 256 * 1024;

const laneBody = Symbol('predict lane body');
type LaneRequest = IncomingMessage & { [laneBody]?: Buffer };

/** The route's preParsing hook: the body the lane read, for a request it handed over. */
export const replayLaneBody: preParsingHookHandler = (request, _reply, payload, done) => {
  const body = (request.raw as LaneRequest)[laneBody];
  done(null, body === undefined ? payload : Readable.from([body], { objectMode: false }));
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface PredictLane {
  /** Takes `req` (true) or leaves it to Fastify's `fallback` untouched (false). */
  take(req: IncomingMessage, res: ServerResponse, fallback: Handler): boolean;
  /** Set when the app closes: Fastify then answers (503) what comes in. */
  closing: boolean;
  /** Requests the lane answered, and requests it read and handed to Fastify. */
  readonly counts: { answered: number; handedOver: number };
}

export interface LaneOptions {
  app: FastifyInstance;
  endpoints: readonly PredictEndpoint<never>[];
  tenantOf: TenantOfHeaders;
  observe: ObserveRequest;
  maxBodyBytes: number;
  maxJsonDepth: number;
}

// What Fastify's JSON parser takes without question; other media types and charsets go to it.
const isPlainJson = (type: string | undefined) =>
  type === 'application/json' || type?.toLowerCase() === 'application/json; charset=utf-8';

const headers = (length: number) => ({
  'content-type': 'application/json; charset=utf-8',
  ...noSniff,
  'content-length': length,
});

export function createPredictLane(options: LaneOptions): PredictLane {
  const { app, endpoints, tenantOf, observe, maxJsonDepth } = options;
  const maxBytes = Math.min(options.maxBodyBytes, laneMaxBodyBytes);
  const checks = endpoints.map((e) => fastCheckOf(e.body));
  const counts = { answered: 0, handedOver: 0 };

  const lane: PredictLane = {
    closing: false,
    counts,
    take(req, res, fallback) {
      if (req.method !== 'POST' || lane.closing) return false;
      const url = pathOf(req.url ?? ''); // the routes take no query parameters: Fastify ignores them
      let at = -1;
      let id = '';
      for (let i = 0; i < endpoints.length && at < 0; i++) {
        const match = endpoints[i]!.path.exec(url);
        if (match) {
          at = i;
          id = match[1]!;
        }
      }
      if (at < 0) return false;
      const h = req.headers;
      const length = Number(h['content-length']);
      if (!(length > 0 && length <= maxBytes) || !isPlainJson(h['content-type'])) return false;
      if (h['transfer-encoding'] !== undefined || h['content-encoding'] !== undefined) return false;
      const tenant = tenantOf(h);
      if (tenant === null || !app.services.models.peek(tenant, id)) return false;

      const started = performance.now();
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        const handOver = () => {
          counts.handedOver++;
          (req as LaneRequest)[laneBody] = body;
          fallback(req, res);
        };
        const endpoint = endpoints[at]!;
        const value = parsed(body.toString(), maxJsonDepth);
        const cached = app.services.models.peek(tenant, id); // not deleted since
        if (value === undefined || !checks[at]?.(value) || !cached) return handOver();
        endpoint.answer(app, cached, id, value as never).then((answer) => {
          const json = JSON.stringify(answer);
          res.writeHead(200, headers(Buffer.byteLength(json))).end(json);
          counts.answered++;
          observe('POST', endpoint.url, 200, (performance.now() - started) / 1000);
        }, handOver);
      });
      return true;
    },
  };
  return lane;
}

const pathOf = (url: string) => {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
};

// The body's value if Fastify's parser would give the same (undefined: let Fastify parse it and
// answer): not nested past MAX_JSON_DEPTH, and no key that is or could spell (with escapes)
// `__proto__` or `constructor`, which it refuses.
function parsed(text: string, maxDepth: number): unknown {
  if (text.includes('\\') || text.includes('__proto__') || text.includes('constructor'))
    return undefined;
  if (nestsDeeperThan(text, maxDepth)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
