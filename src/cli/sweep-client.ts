// The sweeps routes (issue 17) as the `backprop` command uses them: submit, read, list, cancel,
// and the sweep's Server-Sent Events. Built on client.ts's requests and event streams (refusals
// become exit-2 errors there); the commands and the leaderboard are sweep-commands.ts's and
// follow-sweep.ts's.
import type { components } from '../client.generated.js';
import type { EventFollow, ServerClient } from './client.js';

export type Sweep = components['schemas']['Sweep'];
export type SweepSummary = components['schemas']['SweepSummary'];
export type SweepList = { sweeps: SweepSummary[]; nextCursor: string | null };
export type Trial = Sweep['trials'][number];
export type Best = Sweep['best'];

/** The events of GET /v1/sweeps/:id/events, by type. */
export type SweepEvent =
  | { type: 'sweep'; sweep: Sweep }
  | { type: 'trial'; trial: Pick<Trial, 'index' | 'jobId' | 'status' | 'metric' | 'epochs'> }
  | {
      type: 'epoch';
      epoch: { index: number; jobId: string; epoch: number; epochs: number; error: number };
    }
  | { type: 'best'; best: Best }
  | {
      type: 'end';
      end: Pick<Sweep, 'status' | 'best'> & { model?: Sweep['model']; error?: string };
    };

const types = ['sweep', 'trial', 'epoch', 'best', 'end'] as const;
const path = (id: string, suffix = '') => `/v1/sweeps/${encodeURIComponent(id)}${suffix}`;

export function sweepClient(server: ServerClient) {
  return {
    submit: (body: unknown) => server.request<Sweep>('POST', '/v1/sweeps', body),
    get: (id: string) => server.request<Sweep>('GET', path(id)),
    cancel: (id: string) => server.request<Sweep>('POST', path(id, '/cancel')),
    list(query: { status?: string; limit?: number; cursor?: string }) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
      return server.request<SweepList>('GET', `/v1/sweeps${params.size > 0 ? `?${params}` : ''}`);
    },
    /** Follows the sweep's events until `end` (or until closed). */
    follow(id: string, onEvent: (event: SweepEvent) => void): EventFollow {
      return server.stream(path(id, '/events'), types, (type, data) => {
        onEvent({ type, [type]: data } as SweepEvent);
        return type === 'end';
      });
    },
  };
}

export type SweepClient = ReturnType<typeof sweepClient>;
