// The service's jobs-by-status counts (for /metrics) are kept by the job store's scripts: after
// any mix of creations and transitions in several tenants they equal the tenants' status sets.
import { describe, expect, it } from 'vitest';
import { jobStatuses } from '../../src/spec/index.js';
import { createStores, metricsKeysFor } from '../../src/store/index.js';
import { recordOnlySpec, scratchRedis } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();
const spec = recordOnlySpec;

describe('jobs by status, over every tenant', () => {
  it('follow creations, transitions and refused moves exactly', async () => {
    const tenants = ['a', 'b'].map((t) => createStores(redis, prefix, t));
    const at = new Date().toISOString();
    let n = 0;
    for (const stores of tenants)
      for (let i = 0; i < 5; i++)
        await stores.jobs.create(
          { id: `job${n++}`, status: 'queued', spec, createdAt: at },
          { type: 'status', status: 'queued', at },
        );
    const [a, b] = tenants as [(typeof tenants)[0], (typeof tenants)[0]];
    await a.jobs.transition('job0', ['queued'], 'running', {}, []);
    await a.jobs.transition('job0', ['running'], 'succeeded', {}, []);
    await a.jobs.transition('job1', ['queued'], 'cancelled', {}, []);
    await b.jobs.transition('job5', ['queued'], 'running', {}, []);
    expect(await b.jobs.transition('job5', ['queued'], 'cancelled', {}, [])).toBe('running'); // refused
    expect(await b.jobs.transition('job6', ['queued'], 'running', {}, [], 1)).toBe('full'); // capped
    expect(
      await a.jobs.create(
        { id: 'job0', status: 'queued', spec, createdAt: at },
        { type: 'status', status: 'queued', at },
      ),
    ).toBe('exists');

    const counts = await redis.hgetall(metricsKeysFor(prefix).jobsByStatus);
    for (const status of jobStatuses) {
      const sets = await Promise.all(tenants.map((t) => t.jobs.count(status)));
      expect(Number(counts[status] ?? 0), status).toBe(sets[0]! + sets[1]!);
    }
    expect(counts).toMatchObject({ queued: '7', running: '1', succeeded: '1', cancelled: '1' });
  });
});
