// How the `backprop` command tells what a server said: a refusal (4xx, exit 2) with the
// problem+json's detail and each field at fault, a failure (5xx, exit 1), or no answer at all
// (unreachable or timed out, exit 1). The requests themselves are client.ts's.
import type { components } from '../client.generated.js';

type Problem = components['schemas']['Problem'];

/** The server refused (4xx: exit 2), failed (5xx: exit 1) or could not be reached (exit 1). */
export class ServerError extends Error {
  override name = 'ServerError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    /** `path: message` of each field at fault, printed on lines of their own. */
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

export function unreachable(url: string, error: unknown): ServerError {
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  const why = cause?.message || cause?.code || (error as Error).message;
  return new ServerError(`cannot reach the server at ${url}: ${why}`, 1);
}

/** A request that got no answer: its time ran out, or the server could not be reached. */
export function transportError(url: string, error: unknown, timeoutMs: number): ServerError {
  if ((error as Error).name === 'TimeoutError')
    return new ServerError(
      `the server at ${url} did not answer within ${Math.round(timeoutMs / 1000)} s`,
      1,
    );
  return unreachable(url, error);
}

export function problemError(url: string, status: number, text: string): ServerError {
  let problem: Partial<Problem> | undefined;
  try {
    problem = JSON.parse(text);
  } catch {}
  const exitCode = status < 500 ? 2 : 1;
  if (typeof problem?.detail !== 'string') {
    return new ServerError(`the server at ${url} answered ${status}: ${text.slice(0, 200)}`, 1);
  }
  let message = status < 500 ? problem.detail : `server error (${status}): ${problem.detail}`;
  if (status === 401) message += ' (pass --api-key or set BACKPROP_API_KEY)';
  const details = (problem.errors ?? []).map((e) =>
    e.path ? `${e.path}: ${e.message}` : e.message,
  );
  // a single field's `path: message` is the detail itself; several are easier read as a list
  return new ServerError(
    message,
    exitCode,
    details.length === 1 && details[0] === problem.detail ? [] : details,
  );
}
