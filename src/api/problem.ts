// One error handler for the whole API: every error becomes an RFC 9457 problem+json body.
// Bad input is a 4xx naming the fields at fault; Redis being away is a 503; only a programmer
// error is a 500, and it is logged.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AppError,
  describeIssues,
  type ErrorCode,
  errorCatalog,
  type Issue,
  ValidationError,
} from '../errors.js';
import { redactedUrl } from './redacted-url.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: Issue[];
}

export function problem(
  code: ErrorCode,
  detail: string,
  request?: FastifyRequest,
  errors?: Issue[],
): Problem {
  const { status, title } = errorCatalog[code];
  return {
    type: `/problems/${code.replaceAll('_', '-')}`,
    title,
    status,
    detail,
    ...(request ? { instance: redactedUrl(request.url) } : {}),
    ...(errors ? { errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body);
}

// Errors from ioredis when Redis is down or the connection dropped.
function isRedisUnavailable(error: Error): boolean {
  const text = `${error.name} ${error.message}`;
  return /MaxRetriesPerRequest|ECONNREFUSED|Connection is closed|ETIMEDOUT|ENOTFOUND|Stream isn't writeable/.test(
    text,
  );
}

// Fastify's own 4xx errors (body parsing, limits, media types), translated.
function fromFastify(
  error: FastifyError,
  request: FastifyRequest,
  bodyLimit: number,
): Problem | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request.routeOptions.bodyLimit ?? bodyLimit;
      // a route may name the setting its limit comes from (POST /v1/datasets: JSON bodies)
      const setting = (request.routeOptions.config as { bodyLimitSetting?: string } | undefined)
        ?.bodyLimitSetting;
      const named = setting
        ? ` (${setting}): send a big table as CSV, NDJSON, Parquet or Arrow, which are streamed`
        : '';
      return problem(
        'payload_too_large',
        `the body is larger than the limit of ${limit} bytes${named}`,
        request,
      );
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': {
      // Name what this route does take: the datasets route also parses CSV, NDJSON, Parquet and
      // Arrow, POST /v1/models a model file.
      const accepted = [
        'application/json',
        'text/csv',
        'application/x-ndjson',
        'application/vnd.apache.parquet',
        'application/vnd.apache.arrow.file',
        'application/vnd.apache.arrow.stream',
        'application/vnd.backprop.model',
      ].filter((type) => request.server.hasContentTypeParser(type));
      return problem(
        'unsupported_media_type',
        `content-type ${request.headers['content-type'] ?? '(none)'} is not accepted here: send ${accepted.join(' or ')}`,
        request,
      );
    }
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem('validation', 'the body is empty: send a JSON object', request, [
        { path: '', message: 'send a JSON object' },
      ]);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem('validation', `the body is not valid JSON: ${error.message}`, request, [
        { path: '', message: 'is not valid JSON' },
      ]);
    default:
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        return {
          ...problem('validation', error.message, request),
          status: error.statusCode,
          title: 'Bad request',
        };
      }
      return undefined;
  }
}

/** The longest path segment the router takes: a model reference NAME@ALIAS is up to 129. */
export const maxParamLength = 140;

/**
 * Fastify's `frameworkErrors`: URLs the router refuses before any route runs (bad
 * percent-encoding, a path segment past maxParamLength), which would otherwise get Fastify's own
 * application/json body.
 */
export function sendFrameworkProblem(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return sendProblem(
        reply,
        problem(
          'validation',
          'the URL path is not valid percent-encoding: encode each path segment (encodeURIComponent)',
          request,
        ),
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return sendProblem(
        reply,
        problem(
          'validation',
          `a path segment is longer than ${maxParamLength} characters: ids are at most 64 characters, names and aliases 64 each (NAME@ALIAS)`,
          request,
        ),
      );
    default:
      request.log.error({ err: error }, 'unexpected router error');
      return sendInternal(reply, request);
  }
}

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses before Fastify sees them
 * (headers over the size limit, malformed request lines, a client too slow) answered as
 * problem+json too, as Fastify's own handler answers plain JSON.
 */
export function sendClientErrorProblem(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'the request headers are larger than this server takes (16 KiB): send fewer or shorter headers',
        ]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [
            408,
            'the request did not arrive in time (REQUEST_TIMEOUT_MS, HEADERS_TIMEOUT_MS): send it again, faster',
          ]
        : [400, 'the request is not valid HTTP/1.1'];
  const reason = STATUS_CODES[status] ?? 'Bad Request';
  const body = JSON.stringify({ type: '/problems/client-error', title: reason, status, detail });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(error);
}

/** A programmer error: logged by the caller, answered as a 500 without details. */
function sendInternal(reply: FastifyReply, request: FastifyRequest): FastifyReply {
  return sendProblem(reply, {
    type: '/problems/internal',
    title: 'Internal error',
    status: 500,
    detail: 'an unexpected error occurred; it has been logged',
    instance: redactedUrl(request.url),
  });
}

export function registerProblemHandler(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ValidationError) {
      return sendProblem(
        reply,
        problem('validation', describeIssues(error.issues), request, error.issues),
      );
    }
    if (error instanceof AppError) {
      if (error.retryAfterSeconds !== undefined)
        reply.header('retry-after', String(Math.ceil(error.retryAfterSeconds)));
      return sendProblem(reply, problem(error.code, error.message, request));
    }
    const fastify = fromFastify(error, request, bodyLimit);
    if (fastify) return sendProblem(reply, fastify);
    if (isRedisUnavailable(error)) {
      request.log.warn({ err: error }, 'redis unavailable');
      return sendProblem(
        reply,
        problem(
          'unavailable',
          'the job store (Redis) is not reachable: try again shortly',
          request,
        ),
      );
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendInternal(reply, request);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problem('not_found', `no route ${request.method} ${request.url.split('?')[0]}`, request),
    ),
  );
}
