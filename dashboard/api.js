// The API as the page sees it: the user's key (kept in localStorage), fetch with the
// Authorization header, the event stream's URL (EventSource cannot send headers, so the key
// rides as ?access_token=) and file downloads (fetched with the header, then saved from a blob,
// so the key never goes in a URL). A 401 anywhere asks for the key again.
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
  const headers = authorization();
  let body;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (text !== undefined) {
    headers['content-type'] = contentType;
    body = text;
  }
  const response = await fetch(path, { method, headers, body });
  const data = await bodyOf(response);
  return { ok: response.ok, status: response.status, body: data };
}

/**
 * A list route's items from the newest, page after page (`limit` each, on the cursor), until
 * `count` items (or the last page) are in hand: {items, nextCursor}. `field` names the list in
 * each page (jobs, sweeps); a page that fails throws its problem's detail.
 */
export async function newestItems(path, field, count, limit) {
  const items = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set('cursor', cursor);
    const { ok, body: page } = await api(`${path}?${query}`);
    if (!ok) throw new Error(page?.detail ?? `could not list ${field}`);
    items.push(...page[field]);
    cursor = page.nextCursor;
  } while (cursor && items.length < count);
  return { items, nextCursor: cursor };
}

/**
 * Wires a Cancel button: a click POSTs `path` (the button disabled meanwhile), then `done` with
 * the answer, `refused` with the problem, or `failed` with the error.
 */
export function cancelOnClick(button, path, { done, refused, failed }) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const { ok, body } = await api(path, { method: 'POST' });
      if (ok) done(body);
      else refused(body);
    } catch (error) {
      failed(error);
    } finally {
      button.disabled = false;
    }
  });
}

/**
 * Downloads a file the API answers (GET `path`) under the name its Content-Disposition gives.
 * Resolves to {ok: true, status, filename, bytes}, or {ok: false, status, body} with the problem.
 */
export async function download(path) {
  const response = await fetch(path, { headers: authorization() });
  if (!response.ok) return { ok: false, status: response.status, body: await bodyOf(response) };
  const blob = await response.blob();
  const disposition = response.headers.get('content-disposition') ?? '';
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'download';
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // the browser has taken the blob once the click is handled; a minute is plenty
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { ok: true, status: response.status, filename, bytes: blob.size };
}

function authorization() {
  const key = apiKey.get();
  return key ? { authorization: `Bearer ${key}` } : {};
}

// The body, parsed when it is JSON; a 401 hands its detail to the key form and throws.
async function bodyOf(response) {
  const type = response.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await response.json() : await response.text();
  if (response.status === 401) {
    onUnauthorized(data?.detail ?? 'The service needs an API key.');
    throw new Unauthorized(data?.detail);
  }
  return data;
}

/** A job's Server-Sent Events (or, `of` sweeps, a sweep's), with the key in the query. */
export function eventsUrl(id, of = 'jobs') {
  const key = apiKey.get();
  const query = key ? `?access_token=${encodeURIComponent(key)}` : '';
  return `/v1/${of}/${encodeURIComponent(id)}/events${query}`;
}

/** A problem+json body as [{path, message}]: its `errors`, or its detail alone. */
export function issuesOf(problem) {
  if (Array.isArray(problem?.errors) && problem.errors.length > 0) return problem.errors;
  const detail = problem?.detail ?? (typeof problem === 'string' ? problem : 'request failed');
  return [{ path: '', message: detail }];
}
