// The API as the page sees it: the user's key (kept in localStorage), fetch with the
// Authorization header, and the event stream's URL (EventSource cannot send headers, so the key
// rides as ?access_token=). A 401 anywhere asks for the key again.
const storageKey = 'backprop.apiKey';

export const apiKey = {
  get: () => localStorage.getItem(storageKey) ?? '',
  set: (key) => localStorage.setItem(storageKey, key),
  clear: () => localStorage.removeItem(storageKey),
};

/** Thrown after a 401 has been handed to the key form: the page that asked just stops. */
export class Unauthorized extends Error {}

let onUnauthorized = () => {};

/** Who shows the key form when the service refuses the key (app.js). */
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

/**
 * One request. `json` is sent as JSON, `text` with `contentType`. Resolves to
 * {ok, status, body}, body parsed when it is JSON (problem+json included).
 */
export async function api(path, { method = 'GET', json, text, contentType } = {}) {
  const headers = {};
  const key = apiKey.get();
  if (key) headers.authorization = `Bearer ${key}`;
  let body;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (text !== undefined) {
    headers['content-type'] = contentType;
    body = text;
  }
  const response = await fetch(path, { method, headers, body });
  const type = response.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await response.json() : await response.text();
  if (response.status === 401) {
    onUnauthorized(data?.detail ?? 'The service needs an API key.');
    throw new Unauthorized(data?.detail);
  }
  return { ok: response.ok, status: response.status, body: data };
}

/** The job's Server-Sent Events, with the key in the query. */
export function eventsUrl(jobId) {
  const key = apiKey.get();
  const query = key ? `?access_token=${encodeURIComponent(key)}` : '';
  return `/v1/jobs/${encodeURIComponent(jobId)}/events${query}`;
}

/** A problem+json body as [{path, message}]: its `errors`, or its detail alone. */
export function issuesOf(problem) {
  if (Array.isArray(problem?.errors) && problem.errors.length > 0) return problem.errors;
  const detail = problem?.detail ?? (typeof problem === 'string' ? problem : 'request failed');
  return [{ path: '', message: detail }];
}
