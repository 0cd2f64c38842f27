// Following a job's Server-Sent Events with the standard EventSource client (the `eventsource`
// package), as another service would.

import { EventSource } from 'eventsource';
import { jobEventTypes } from '../../src/spec/index.js';
import type { TestService } from './service.js';

export interface Received {
  id: string;
  type: string;
  data: any;
}

/** Follows a job's events until the final one; resolves with every event received. */
export function follow(
  service: TestService,
  jobId: string,
  options: { lastEventId?: string; until?: (e: Received) => boolean; apiKey?: string } = {},
): Promise<Received[]> {
  const events: Received[] = [];
  const query = options.lastEventId ? `?lastEventId=${options.lastEventId}` : '';
  const { apiKey } = options;
  // the package's custom fetch lets a service send its key as a header (browsers use ?access_token=)
  const source = new EventSource(`${service.url}/v1/jobs/${jobId}/events${query}`, {
    ...(apiKey
      ? {
          fetch: (url, init) =>
            fetch(url, {
              ...init,
              headers: { ...init.headers, authorization: `Bearer ${apiKey}` },
            }),
        }
      : {}),
  });
  return new Promise((resolve, reject) => {
    const on = (type: string) =>
      source.addEventListener(type, (e) => {
        events.push({ id: e.lastEventId, type, data: JSON.parse(e.data) });
        const last = events[events.length - 1]!;
        if (type === 'done' || type === 'failed' || type === 'cancelled' || options.until?.(last)) {
          source.close();
          resolve(events);
        }
      });
    for (const type of jobEventTypes) on(type);
    source.onerror = (e) => {
      if (source.readyState === EventSource.CLOSED)
        reject(new Error(`event stream failed: ${e.message}`));
    };
  });
}
