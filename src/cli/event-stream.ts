// A Server-Sent Events stream followed with the `eventsource` package (which resumes with
// Last-Event-ID after a drop), the API key sent as a header, a refusal turned into the
// server's problem, and given up after a run of failed reconnections.
import { EventSource } from 'eventsource';
import { problemError, ServerError, unreachable } from './server-errors.js';

// reconnections of an event stream (a second apart: the server's `retry`) before giving up
const maxReconnects = 30;

export interface EventFollow {
  /** Resolves after the final event (done, failed or cancelled), or when closed. */
  ended: Promise<void>;
  close(): void;
}

/** Follows `eventsUrl`: each event of `types` to `onEvent`, until it answers true. */
export function followEvents(
  eventsUrl: string,
  url: string,
  auth: Record<string, string>,
  types: readonly string[],
  onEvent: (type: string, data: unknown) => boolean,
): EventFollow {
  let refused: ServerError | undefined;
  let lastFailure: unknown;
  const source = new EventSource(eventsUrl, {
    // the key as a header (browsers have to use ?access_token=), and the problem of a refusal
    fetch: async (input, init) => {
      try {
        const response = await fetch(input, { ...init, headers: { ...init.headers, ...auth } });
        if (!response.ok)
          refused = problemError(url, response.status, await response.clone().text());
        return response;
      } catch (error) {
        lastFailure = error;
        throw error;
      }
    },
  });
  let finish: (error?: ServerError) => void = () => {};
  const ended = new Promise<void>((resolve, reject) => {
    finish = (error) => {
      source.close();
      if (error) reject(error);
      else resolve();
    };
  });
  let reconnects = 0;
  source.onopen = () => {
    reconnects = 0;
  };
  source.onerror = (e) => {
    if (source.readyState === EventSource.CLOSED) {
      if (e.code === 204) return finish(); // the job is finished and no event is left to send
      finish(
        refused ?? new ServerError(`the event stream at ${eventsUrl} failed: ${e.message}`, 1),
      );
    } else if (++reconnects > maxReconnects) {
      finish(unreachable(url, lastFailure ?? e));
    }
  };
  for (const type of types) {
    source.addEventListener(type, (message) => {
      if (onEvent(type, JSON.parse(message.data))) finish();
    });
  }
  return { ended, close: () => finish() };
}
