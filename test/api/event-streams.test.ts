// Event streams under load and at their end (issue 12, defect 6): every stream of an API process
// shares one Redis connection, a tenant may hold MAX_TENANT_STREAMS open, and a stream of a
// finished job ends once nothing is left to send. Real API and Redis; no workers (jobs wait).
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { connectRedis, createStores } from '../../src/store/index.js';
import { http, startService, type TestService } from '../helpers/service.js';

const alice = newApiKey('alice');
const bob = newApiKey('bob');
const carol = newApiKey('carol'); // the finished jobs' tenant: no stream of the others counts
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const cap = 12;

let service: TestService;
let redis: Redis;
const opened: Stream[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});
beforeAll(async () => {
  service = await startService({
    env: {
      API_KEYS: [alice, bob, carol].map((k) => k.entry).join(','),
      MAX_TENANT_STREAMS: String(cap),
      SSE_HEARTBEAT_MS: '100',
    },
  });
  redis = connectRedis(service.config.redisUrl);
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

const tinyJob = {
  network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
  dataset: { generator: 'sine' },
};

async function submit(key = alice.key): Promise<string> {
  const res = await http(service, 'POST', '/v1/jobs', tinyJob, as(key));
  expect(res.status).toBe(202);
  return res.body.id;
}

interface Stream {
  status: number;
  /** Everything received until `until` holds, or the response ended (then `ended`). */
  read(until: (text: string) => boolean): Promise<{ text: string; ended: boolean }>;
  close(): void;
}

async function open(jobId: string, key = alice.key, headers = {}): Promise<Stream> {
  const controller = new AbortController();
  const res = await fetch(`${service.url}/v1/jobs/${jobId}/events`, {
    headers: { ...as(key), ...headers },
    signal: controller.signal,
  });
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const stream: Stream = {
    status: res.status,
    async read(until) {
      while (!until(text)) {
        const chunk = await reader!.read();
        if (chunk.done) return { text, ended: true };
        text += decoder.decode(chunk.value);
      }
      return { text, ended: false };
    },
    close: () => controller.abort(),
  };
  opened.push(stream);
  return stream;
}

/** The Redis connections named `name` (CLIENT LIST). */
async function connectionsNamed(name: string): Promise<number> {
  const list = (await redis.client('LIST')) as string;
  return list.split('\n').filter((line) => / name=(\S*)/.exec(line)?.[1] === name).length;
}

const hasFrame = (type: string) => (text: string) => text.includes(`event: ${type}\n`);
const frameIds = (text: string) => [...text.matchAll(/^id: (\S+)$/gm)].map((m) => m[1]!);

describe('many event streams', () => {
  it('share one Redis connection per API process, and each gets its own events', async () => {
    const jobs = [await submit(), await submit()];
    const first = await open(jobs[0]!);
    await first.read(hasFrame('status'));
    const api = `${service.config.keyPrefix}:api`;
    const before = await connectionsNamed(api);
    const streams = [first];
    for (let i = 1; i < cap; i++) streams.push(await open(jobs[i % 2]!));
    for (const s of streams) expect((await s.read(hasFrame('status'))).ended).toBe(false);
    expect(await connectionsNamed(api)).toBe(before);
    expect(await connectionsNamed(`${api}-events`)).toBe(1);

    // cancelling the first job ends exactly its streams, each with the final event once
    expect(
      (await http(service, 'POST', `/v1/jobs/${jobs[0]}/cancel`, {}, as(alice.key))).status,
    ).toBe(200);
    const onFirst = streams.filter((_, i) => i % 2 === 0);
    for (const s of onFirst) {
      const { text, ended } = await s.read(() => false);
      expect(ended).toBe(true);
      expect(text.match(/^event: cancelled$/gm)).toHaveLength(1);
      expect(frameIds(text)).toHaveLength(3); // status queued, status cancelled, cancelled
    }
    const onSecond = streams.filter((_, i) => i % 2 === 1);
    for (const s of onSecond)
      expect((await s.read((t) => t.includes(': heartbeat'))).ended).toBe(false);
    for (const s of onSecond) s.close();
  });

  it("answers 429 naming MAX_TENANT_STREAMS past a tenant's cap; other tenants are not held back", async () => {
    const job = await submit();
    const streams: Stream[] = [];
    // streams of the test before may still be closing on the server: fill up to the cap
    for (;;) {
      const s = await open(job);
      if (s.status === 429) break;
      expect(s.status).toBe(200);
      streams.push(s);
    }
    expect(streams.length).toBeLessThanOrEqual(cap);
    const refused = await fetch(`${service.url}/v1/jobs/${job}/events`, { headers: as(alice.key) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await refused.json()) as { status: number; detail: string };
    expect(problem.status).toBe(429);
    expect(problem.detail).toContain(`MAX_TENANT_STREAMS = ${cap}`);

    const bobs = await open(await submit(bob.key), bob.key);
    expect(bobs.status).toBe(200);
    bobs.close();
    // a stream closed gives its place back
    streams.pop()!.close();
    let again = await open(job);
    while (again.status === 429) again = await open(job);
    expect(again.status).toBe(200);
    for (const s of [...streams, again]) s.close();
  });
});

describe('the stream of a finished job', () => {
  async function cancelledJob(): Promise<{ id: string; ids: string[] }> {
    const id = await submit(carol.key);
    await http(service, 'POST', `/v1/jobs/${id}/cancel`, {}, as(carol.key));
    const { text, ended } = await (await open(id, carol.key)).read(() => false);
    expect(ended).toBe(true);
    return { id, ids: frameIds(text) };
  }

  it('resumed from its last event id: 204 at once (an EventSource does not reconnect)', async () => {
    const { id, ids } = await cancelledJob();
    expect(ids).toHaveLength(3);
    const last = await fetch(`${service.url}/v1/jobs/${id}/events`, {
      headers: { ...as(carol.key), 'last-event-id': ids[2]! },
    });
    expect(last.status).toBe(204);
    expect(await last.text()).toBe('');
    // from an earlier id: what follows it, then the end
    const rest = await (await open(id, carol.key, { 'last-event-id': ids[0]! })).read(() => false);
    expect(rest.ended).toBe(true);
    expect(frameIds(rest.text)).toEqual(ids.slice(1));
  });

  it('whose events expired (or were deleted): 204, from the start or from any id', async () => {
    const { id, ids } = await cancelledJob();
    const stores = createStores(redis, service.config.keyPrefix, 'carol', {
      blobs: service.app.services.blobs,
    });
    expect(await redis.del(stores.keys.jobEvents(id))).toBe(1);
    for (const from of ['0-0', ids[1]!]) {
      const res = await fetch(`${service.url}/v1/jobs/${id}/events`, {
        headers: { ...as(carol.key), 'last-event-id': from },
      });
      expect(res.status, from).toBe(204);
    }
  });

  it('ends a stream whose job is gone with its events while it is followed', async () => {
    const id = await submit(carol.key);
    const stream = await open(id, carol.key);
    await stream.read((t) => t.includes(': heartbeat'));
    const stores = createStores(redis, service.config.keyPrefix, 'carol', {
      blobs: service.app.services.blobs,
    });
    expect(await redis.del(stores.keys.job(id), stores.keys.jobEvents(id))).toBe(2);
    const { text, ended } = await stream.read(() => false);
    expect(ended).toBe(true);
    expect(frameIds(text)).toHaveLength(1); // the queued status, and nothing after
  });
});
