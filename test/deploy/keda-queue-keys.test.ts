// What KEDA reads in deploy/scaledobject.yaml, shown on a real Redis with the BullMQ of
// package.json: the ScaledObject's listNames (under this test's own key prefix instead of `bp`)
// are Redis LISTs whose LLEN is the number of waiting jobs and the number of running ones, the
// two counts its `redis` triggers scale the workers on.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { queueName } from '../../src/queue.js';

const file = readFileSync(new URL('../../deploy/scaledobject.yaml', import.meta.url), 'utf8');
const scaledObject = parseAllDocuments(file)
  .map(
    (d) => d.toJS() as { kind: string; spec: { triggers: { metadata: { listName: string } }[] } },
  )
  .find((d) => d.kind === 'ScaledObject')!;
const [waitList, activeList] = scaledObject.spec.triggers.map((t) => t.metadata.listName);

const prefix = `bp:test:keda-${randomUUID().slice(0, 8)}`;
/** The manifest's key (for KEY_PREFIX `bp`) under this test's prefix. */
const ours = (key: string) => {
  expect(key.startsWith('bp:')).toBe(true);
  return `${prefix}:${key.slice('bp:'.length)}`;
};
const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };
const redis = new Redis(connection);
const queue = new Queue(queueName, { connection, prefix });

afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  await redis.quit();
});

async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

describe("the ScaledObject's lists on a real Redis", () => {
  it('LLEN of the wait list counts waiting jobs, of the active list running ones', async () => {
    expect(queueName).toBe('training');
    const wait = ours(waitList!);
    const active = ours(activeList!);
    await queue.addBulk([1, 2, 3, 4, 5].map((n) => ({ name: 'job', data: { n } })));
    expect(await redis.type(wait)).toBe('list');
    expect(await redis.llen(wait)).toBe(5);
    expect(await queue.getWaitingCount()).toBe(5);

    // a worker taking two at once, held until the counts are read
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const worker = new Worker(queueName, () => held, { connection, prefix, concurrency: 2 });
    await until(async () => (await redis.llen(active)) === 2);
    expect(await redis.type(active)).toBe('list');
    expect(await redis.llen(wait)).toBe(3);
    expect(await queue.getActiveCount()).toBe(2);

    release();
    await until(async () => (await queue.getCompletedCount()) === 5);
    expect(await redis.llen(wait)).toBe(0);
    expect(await redis.llen(active)).toBe(0);
    await worker.close();
  });
});
