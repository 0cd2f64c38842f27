// bull-board's own refusals (no such queue or job, a change to a read-only queue, a bad query)
// come as its plain JSON `{error: {key, options}}` for its page to translate: here they become
// problem+json like every other answer, the key kept as a member for the board's page. Not the
// errors its handlers throw: those reach the app's error handler (queue-board.ts).
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ErrorCode, errorCatalog, type Issue } from '../errors.js';
import { type Problem, problem } from './problem.js';
import { redactedUrl } from './redacted-url.js';

interface BoardError {
  key?: unknown;
  options?: Record<string, unknown>;
}

const codeOfStatus = new Map<number, ErrorCode>(
  Object.entries(errorCatalog).map(([code, { status }]) => [status, code as ErrorCode]),
);

/** What went wrong, in words: ours for the refusals a read-only board meets, else its key's. */
function detailOf(error: BoardError, request: FastifyRequest, queueNames: string[]): string {
  const key = typeof error.key === 'string' ? error.key.replace(/^ERRORS\./, '') : 'UNKNOWN';
  const { queueName, jobId } = (request.params ?? {}) as Record<string, string | undefined>;
  switch (key) {
    case 'QUEUE_NOT_FOUND':
      return `the queue board has no queue named ${JSON.stringify(queueName)}: its queues are ${queueNames.join(' and ')}`;
    case 'JOB_NOT_FOUND':
      return `the queue ${queueName} has no job ${JSON.stringify(jobId)}: the board lists its jobs`;
    case 'QUEUE_READ_ONLY':
      return 'the queue board is read-only: cancel a job with POST /v1/jobs/{id}/cancel';
    case 'INVALID_QUERY_PARAM':
      return `query.${String(error.options?.field)}: is not a value the queue board takes`;
    default: {
      // e.g. INVALID_GRANULARITY {granularity: "x"} → "invalid granularity (granularity: x)"
      const words = key.toLowerCase().replaceAll('_', ' ');
      const options = Object.entries(error.options ?? {}).map(([k, v]) => `${k}: ${String(v)}`);
      return `the queue board refused this request: ${words}${options.length ? ` (${options.join(', ')})` : ''}`;
    }
  }
}

/** The field at fault, when the board names one (its validation of a query or a body). */
function issuesOf(error: BoardError): Issue[] | undefined {
  const field = error.options?.field;
  if (typeof field !== 'string') return undefined;
  const path = error.key === 'ERRORS.INVALID_QUERY_PARAM' ? `query.${field}` : field;
  return [{ path, message: 'is not a value the queue board takes' }];
}

function boardProblem(
  status: number,
  error: BoardError,
  request: FastifyRequest,
  queues: string[],
) {
  const detail = detailOf(error, request, queues);
  const code = codeOfStatus.get(status);
  if (code) return problem(code, detail, request, issuesOf(error));
  const reason = STATUS_CODES[status] ?? 'Error'; // "Method Not Allowed" → "Method not allowed"
  const title = reason[0] + reason.slice(1).toLowerCase();
  const type = `/problems/${title.toLowerCase().replaceAll(' ', '-')}`;
  return { type, title, status, detail, instance: redactedUrl(request.url) } satisfies Problem;
}

function parsed(payload: string): { error?: BoardError } | null {
  try {
    return JSON.parse(payload) as { error?: BoardError } | null;
  } catch {
    return null;
  }
}

/** In the board's (encapsulated) plugin: its JSON error bodies rewritten as problem+json. */
export function boardErrorsAsProblems(app: FastifyInstance, queueNames: string[]): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (reply.statusCode < 400 || !type.startsWith('application/json')) return payload;
    if (typeof payload !== 'string') return payload;
    const body = parsed(payload);
    if (typeof body?.error !== 'object' || body.error === null) return payload;
    if (reply.statusCode >= 500) {
      // what it calls internal is ours to log, and to answer as any 500
      request.log.error({ boardError: body }, 'queue board error');
      reply.code(500).type('application/problem+json');
      const detail = 'an unexpected error occurred; it has been logged';
      const instance = redactedUrl(request.url);
      return JSON.stringify({
        type: '/problems/internal',
        title: 'Internal error',
        status: 500,
        detail,
        instance,
      });
    }
    const answer = boardProblem(reply.statusCode, body.error, request, queueNames);
    reply.type('application/problem+json');
    return JSON.stringify({ ...answer, error: body.error });
  });
}
