// Finished jobs expire with what they own: after FINISHED_JOB_TTL_SECONDS their record, stream,
// model-id claim, Idempotency-Key and output (batch predictions, out of the usage too) are gone, and the next listing or submission sweeps them off the tenant's
// lists and out of the service's counts by status. A running job does not expire.
import { describe, expect, it } from 'vitest';
import { createStores, metricsKeysFor } from '../../src/store/index.js';
import { recordOnlySpec, scratchRedis } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();
const spec = recordOnlySpec;

describe('finished jobs past FINISHED_JOB_TTL_SECONDS', () => {
  it('leave no key, no list entry and no count', async () => {
    const stores = createStores(redis, prefix, 'a', { finishedTtlSeconds: 1 });
    const at = new Date().toISOString();
    // job1 was submitted with an Idempotency-Key, kept an hour (IDEMPOTENCY_TTL_SECONDS)
    await redis.set(stores.keys.idempotency('k1'), '{"jobId":"job1"}', 'EX', 3600);
    for (const id of ['job1', 'job2'])
      await stores.jobs.create(
        {
          id,
          status: 'queued',
          spec,
          createdAt: at,
          ...(id === 'job1' ? { idempotencyKey: 'k1' } : {}),
        },
        { type: 'status', status: 'queued', at },
      );
    await stores.jobs.transition('job1', ['queued'], 'running', {}, []);
    await redis.set(stores.keys.jobModel('job1'), 'model1');
    // a batch-predictions job's output (issue 15), counted in the tenant's usage
    await stores.outputs.append('job1', 'a,prediction\n1,yes\n', '');
    expect(await redis.hget(`${stores.keys.own}:usage`, 'output:job1')).toBe('19');
    await stores.jobs.transition('job1', ['running'], 'succeeded', {}, []);
    await stores.jobs.transition('job2', ['queued'], 'running', {}, []);
    const keys = [
      stores.keys.job('job1'),
      stores.keys.jobEvents('job1'),
      stores.keys.jobModel('job1'),
      stores.keys.idempotency('k1'), // not to name a job that is gone
      `${stores.keys.job('job1')}:output`,
    ];
    for (const key of keys) expect(await redis.ttl(key), key).toBe(1);
    // wait for Redis to expire them (their TTL is the test's only clock)
    while ((await redis.exists(...keys)) > 0) await new Promise((r) => setTimeout(r, 100));

    const { jobs } = await stores.jobs.list({ limit: 10 });
    expect(jobs.map((j) => j.id)).toEqual(['job2']);
    expect(await redis.zrange(stores.keys.jobs, 0, -1)).toEqual(['job2']);
    expect(await stores.jobs.count('succeeded')).toBe(0);
    expect(await redis.zcard(stores.keys.expiringJobs)).toBe(0);
    // the sweep took the expired output out of the usage
    expect(await redis.hget(`${stores.keys.own}:usage`, 'output:job1')).toBeNull();
    expect(await stores.usage.used()).toBe(0);
    const counts = await redis.hgetall(metricsKeysFor(prefix).jobsByStatus);
    expect(counts).toMatchObject({ queued: '0', running: '1', succeeded: '0' });
    expect(await redis.ttl(stores.keys.job('job2'))).toBe(-1);
  });
});
