// One blocking reader of job event streams per API process: a single Redis connection runs
// XREAD BLOCK over every stream a client watches and hands new events to that stream's
// subscribers, so open SSE streams cost no connection each. It is not the SSE framing
// (routes/events.ts) and keeps no history: a subscriber reads what came before with XRANGE.
import type { Redis } from 'ioredis';
import { compareEventIds, readStreams, type StoredEvent } from '../store/index.js';

// The longest one XREAD blocks. A stream added meanwhile wakes it by CLIENT UNBLOCK; should that
// arrive before the read blocks, this bounds the wait.
const blockMs = 1000;
// After the reader failed (Redis away longer than its retries), before it reads again.
const retryMs = 250;

export interface Subscription {
  /** Events after the last ones taken, waiting up to `ms`: [] on time-out, null once closed. */
  next(ms: number): Promise<StoredEvent[] | null>;
  close(): void;
}

interface Subscriber {
  last: string;
  pending: StoredEvent[];
  error: unknown;
  closed: boolean;
  wake(): void;
}

export interface EventHub {
  /** Follows the stream at `key` from after `last`. */
  subscribe(key: string, last: string): Subscription;
  /** Ends every subscription and the reader. */
  close(): void;
}

function lowest(subscribers: Set<Subscriber>): string {
  let low: string | undefined;
  for (const s of subscribers)
    if (low === undefined || compareEventIds(s.last, low) < 0) low = s.last;
  return low ?? '0';
}

function waitFor(subscriber: Subscriber, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    subscriber.wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

function subscription(subscriber: Subscriber, leave: () => void): Subscription {
  const take = (): StoredEvent[] | null => {
    if (subscriber.pending.length > 0) return subscriber.pending.splice(0);
    if (subscriber.error) throw subscriber.error;
    return subscriber.closed ? null : [];
  };
  return {
    async next(ms) {
      const now = take();
      if (now === null || now.length > 0) return now;
      await waitFor(subscriber, ms);
      subscriber.wake = () => {};
      return take();
    },
    close() {
      subscriber.closed = true;
      subscriber.wake();
      leave();
    },
  };
}

/** `reader` is the hub's own connection; `control` another, to wake the reader (CLIENT UNBLOCK). */
export function createEventHub(reader: Redis, control: Redis): EventHub {
  const watched = new Map<string, Set<Subscriber>>();
  let readerId: number | null = null;
  let stopped = false;
  let idle: (() => void) | null = null;
  reader.on('error', () => {}); // a lost connection fails the read under way, which says so
  reader.on('ready', () => {
    reader.client('ID').then(
      (id) => {
        readerId = id;
      },
      () => {},
    );
  });

  const deliver = (key: string, events: StoredEvent[]) => {
    for (const s of watched.get(key) ?? []) {
      const fresh = events.filter((e) => compareEventIds(e.id, s.last) > 0);
      if (fresh.length === 0) continue;
      s.pending.push(...fresh);
      s.last = fresh[fresh.length - 1]!.id;
      s.wake();
    }
  };
  const failAll = (error: unknown) => {
    for (const subscribers of watched.values())
      for (const s of subscribers) {
        s.error = error;
        s.wake();
      }
    watched.clear();
  };

  const run = async () => {
    while (!stopped) {
      if (watched.size === 0) {
        await new Promise<void>((resolve) => {
          idle = resolve;
        });
        continue;
      }
      const after = new Map([...watched].map(([key, subscribers]) => [key, lowest(subscribers)]));
      try {
        for (const [key, events] of await readStreams(reader, after, blockMs)) deliver(key, events);
      } catch (error) {
        if (stopped) break;
        failAll(error); // their clients reconnect with Last-Event-ID, perhaps to another process
        await new Promise((r) => setTimeout(r, retryMs));
      }
    }
  };
  void run();

  return {
    subscribe(key, last) {
      const subscriber: Subscriber = { last, pending: [], error: null, closed: false, wake() {} };
      const subscribers = watched.get(key) ?? new Set();
      watched.set(key, subscribers.add(subscriber));
      if (idle) {
        idle();
        idle = null;
      } else if (readerId !== null) {
        // the read under way does not watch this stream yet: end it so the next one does
        control.client('UNBLOCK', readerId).catch(() => {});
      }
      return subscription(subscriber, () => {
        subscribers.delete(subscriber);
        if (subscribers.size === 0 && watched.get(key) === subscribers) watched.delete(key);
      });
    },
    close() {
      stopped = true;
      for (const subscribers of watched.values()) for (const s of subscribers) s.closed = true;
      for (const subscribers of watched.values()) for (const s of subscribers) s.wake();
      watched.clear();
      idle?.();
      reader.disconnect();
    },
  };
}
