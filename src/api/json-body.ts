// JSON request bodies: Fastify's own parser (it refuses `__proto__` and `constructor.prototype`
// keys), but when it refuses a body, saying why and where — the syntax error, or the path of the
// forbidden key — instead of "not valid JSON" for a body that is valid JSON. A body nested past
// MAX_JSON_DEPTH is refused by a scan of its text, before any parse (issue 12: seconds of CPU).
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../errors.js';

const forbidden = 'is not accepted as a key (it could rewrite object prototypes): remove it';

// The dotted path of the first key secure-json-parse refuses, or null.
function forbiddenKeyPath(value: unknown, path: string[] = []): string | null {
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, child] of Object.entries(value)) {
    const at = [...path, key];
    const isPrototype =
      key === '__proto__' ||
      (key === 'constructor' &&
        typeof child === 'object' &&
        child !== null &&
        Object.hasOwn(child, 'prototype'));
    if (isPrototype) return at.join('.');
    const found = forbiddenKeyPath(child, at);
    if (found !== null) return found;
  }
  return null;
}

// Why Fastify refused `text`; undefined leaves its error as it is (an empty body).
function explain(text: string): ValidationError | undefined {
  if (text.length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text); // keeps `__proto__` as a plain own key: safe to walk
  } catch (error) {
    return new ValidationError([
      {
        path: '',
        message: `the body is not valid JSON (${(error as Error).message}): send a JSON object`,
      },
    ]);
  }
  let path: string | null = '';
  try {
    path = forbiddenKeyPath(value);
  } catch {
    // nested too deeply to walk: report it against the whole body
  }
  return new ValidationError([{ path: path ?? '', message: forbidden }]);
}

/** True when arrays and objects in JSON `text` nest deeper than `max` (strings do not count). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character, a quote too
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export function registerJsonParser(app: FastifyInstance, maxDepth: number): void {
  const secure = app.getDefaultJsonParser('error', 'error');
  const tooDeep = `nests arrays and objects more than ${maxDepth} levels deep, the most this service reads (MAX_JSON_DEPTH): flatten the body`;
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // A route that takes no body (cancel) accepts the empty one some clients send with this type.
    if (body.length === 0 && !request.routeOptions.schema?.body) return done(null, undefined);
    if (nestsDeeperThan(body as string, maxDepth))
      return done(new ValidationError([{ path: '', message: tooDeep }]), undefined);
    secure(request, body as string, (error, value) => {
      if (error) return done(explain(body as string) ?? error, undefined);
      done(null, value);
    });
  });
}
