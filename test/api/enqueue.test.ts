// POST /v1/jobs when the training queue does not take the job (issue 12, defect 4): it fails (its
// Redis refuses the add) or it does not answer within ENQUEUE_TIMEOUT_MS (its connection is busy).
// Either way the answer is a 503 problem and nothing of the request stays: no job record, event
// stream, count, inline dataset or Idempotency-Key. No worker runs, so accepted jobs stay queued.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import { connectRedis, keysFor, keysUnder } from '../../src/store/index.js';
import { http, startService, type TestService, xorNetwork, xorRows } from '../helpers/service.js';

let service: TestService;
let redis: Redis;
let queueKey: (name: string) => string;

beforeAll(async () => {
  service = await startService({ env: { ENQUEUE_TIMEOUT_MS: '300' } });
  redis = connectRedis(service.config.redisUrl);
  queueKey = (name) => `${service.config.keyPrefix}:training:${name}`;
});
afterAll(async () => {
  await redis?.quit();
  await service?.stop();
});

// inline data, so a refused job would leave a dataset behind if it were not taken back
const inlineJob = {
  network: xorNetwork,
  dataset: xorRows,
  training: { epochs: 5, seed: 2 },
};

/** Everything the tenant has in Redis (keys and their contents) and the service's job counts. */
async function snapshot() {
  const keys = keysFor(service.config.keyPrefix, defaultTenant);
  const own = await keysUnder(redis, keys.own);
  const types = await Promise.all(own.map((k) => redis.type(k)));
  return {
    own: own.map((k, i) => `${k} ${types[i]}`),
    queued: await redis.zrange(`${keys.jobsByStatus}queued`, 0, -1),
    counts: await redis.hgetall(keys.jobCounts),
  };
}

describe('a queue that does not take the job', () => {
  it('fails the add: 503 problem, nothing kept, and the same Idempotency-Key works after', async () => {
    // one accepted job, so the counts and the queued set are not empty to begin with
    expect((await http(service, 'POST', '/v1/jobs', inlineJob)).status).toBe(202);
    const before = await snapshot();
    expect(before.queued).toHaveLength(1);
    expect(before.counts.queued).toBe('1');

    // BullMQ's job-id counter as a list: its add script fails (WRONGTYPE) before writing
    await redis.multi().del(queueKey('id')).rpush(queueKey('id'), 'not a counter').exec();
    const headers = { 'idempotency-key': 'enqueue-refused-1' };
    for (let i = 0; i < 3; i++) {
      const refused = await http(service, 'POST', '/v1/jobs', inlineJob, headers);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(refused.body.detail).toMatch(
        /^the training queue failed to store it .*submit it again/,
      );
      expect(await snapshot()).toEqual(before);
    }
    expect((await http(service, 'GET', '/v1/jobs')).body.jobs).toHaveLength(1);

    await redis.del(queueKey('id'));
    const accepted = await http(service, 'POST', '/v1/jobs', inlineJob, headers);
    expect(accepted.status).toBe(202);
    expect((await snapshot()).counts.queued).toBe('2');
  });

  it('does not answer in time: 503 naming ENQUEUE_TIMEOUT_MS, and the late add is taken off', async () => {
    const before = await snapshot();
    // the queue's own connection busy with a blocking command: the add waits behind it
    const queueClient = (await service.app.services.queue.getBackend().client) as unknown as Redis;
    const gate = `${service.config.keyPrefix}:gate`;
    const blocked = queueClient.blpop(gate, 0);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(503);

    const refused = await http(service, 'POST', '/v1/jobs', inlineJob);
    expect(refused.status).toBe(503);
    expect(refused.body.detail).toBe(
      'the training queue did not answer within 300 ms (ENQUEUE_TIMEOUT_MS): the job was not kept; submit it again shortly',
    );
    expect(await snapshot()).toEqual(before);

    // the connection frees up: the add lands after all, and is removed again
    await redis.lpush(gate, 'go');
    await blocked;
    const events = async () =>
      (await redis.xrange(queueKey('events'), '-', '+')).map(([, f]) => f.join(' '));
    while (!(await events()).some((e) => e.startsWith('event removed'))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const lateId = (await events()).find((e) => e.startsWith('event removed'))!.split(' ')[3];
    expect(before.queued).not.toContain(lateId);
    expect(await service.app.services.queue.getJob(lateId!)).toBeUndefined();
    expect(await service.app.services.queue.count()).toBe(before.queued.length);
    expect(await snapshot()).toEqual(before);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });
});
