// The API's one shared event reader across a Redis restart, with a Redis server this test starts
// itself: the streams open when Redis goes away end (their clients reconnect with
// Last-Event-ID), and once it is back new streams are served by the same reader again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, redisServer } from '../helpers/redis-server.js';
import { http, startService, type TestService } from '../helpers/service.js';

let redis: RedisServer;
let service: TestService;

beforeAll(async () => {
  redis = await redisServer();
  service = await startService({
    // no heartbeat (and so no look at the job) within the test: what the streams get and when
    // they end comes from the shared reader alone
    env: { REDIS_URL: redis.url, SSE_HEARTBEAT_MS: '600000' },
  });
});

afterAll(async () => {
  await service?.stop();
  await redis?.remove();
});

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, until: RegExp) {
  let text = '';
  for (;;) {
    if (until.test(text)) return { text, ended: false };
    const chunk = await reader.read();
    if (chunk.done) return { text, ended: true };
    text += new TextDecoder().decode(chunk.value);
  }
}

describe('event streams across a Redis restart', () => {
  it('end while Redis is away, and are served again once it is back', async () => {
    const job = await http(service, 'POST', '/v1/jobs', {
      network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      dataset: { generator: 'sine' },
    });
    expect(job.status).toBe(202);
    const events = `${service.url}/v1/jobs/${job.body.id}/events`;
    const before = (await fetch(events)).body!.getReader();
    expect((await readUntil(before, /event: status/)).ended).toBe(false);

    await redis.stop();
    // the stream ends (not hangs), so its EventSource reconnects
    expect((await readUntil(before, /(?!)/)).ended).toBe(true);
    await redis.start();
    let res = await fetch(events);
    while (res.status === 503) res = await fetch(events); // until the API has reconnected
    expect(res.status).toBe(200);
    const after = res.body!.getReader();
    const first = await readUntil(after, /event: status/);
    expect(first.text).toContain('"status":"queued"');
    // live events reach it through the reader: the cancel's, and then the end
    expect((await http(service, 'POST', `/v1/jobs/${job.body.id}/cancel`)).status).toBe(200);
    const rest = await readUntil(after, /(?!)/);
    expect(rest.ended).toBe(true);
    expect(rest.text).toContain('event: cancelled');
  });
});
