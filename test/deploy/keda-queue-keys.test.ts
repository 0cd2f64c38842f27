// What KEDA reads in deploy/scaledobject.yaml, shown on a real Redis with the BullMQ of
// package.json: the ScaledObject's listNames (under this test's own key prefix instead of `bp`)
// are Redis LISTs whose LLEN is the number of waiting jobs and the number of running ones, the
// two counts its `redis` triggers scale the workers on. On a Redis Cluster (REDIS_CLUSTER_NODES)
// the same lists under the braced prefix, `{bp}:training:wait`, which KEDA's `redis-cluster`
// trigger reads: shown on a cluster of the test's own, through the service's own connections.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { datasetQueueName, queueName } from '../../src/queue.js';
import { bullConnection, connectRedis } from '../../src/store/index.js';
import { redisCluster } from '../helpers/redis-cluster.js';

const file = readFileSync(new URL('../../deploy/scaledobject.yaml', import.meta.url), 'utf8');
const scaledObject = parseAllDocuments(file)
  .map(
    (d) => d.toJS() as { kind: string; spec: { triggers: { metadata: { listName: string } }[] } },
  )
  .find((d) => d.kind === 'ScaledObject')!;
const [waitList, activeList, datasetsList] = scaledObject.spec.triggers.map(
  (t) => t.metadata.listName,
);

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

describe("the ScaledObject's datasets list on a real Redis", () => {
  it('LLEN counts the big uploads waiting for a worker (issue 16)', async () => {
    const datasets = new Queue(datasetQueueName, { connection, prefix });
    try {
      await datasets.addBulk([1, 2, 3].map((n) => ({ name: 'read', data: { n } })));
      expect(await redis.llen(ours(datasetsList!))).toBe(3);
      expect(await datasets.getWaitingCount()).toBe(3);
    } finally {
      await datasets.obliterate({ force: true });
      await datasets.close();
    }
  });
});

describe("the ScaledObject's lists on a Redis Cluster", () => {
  it('are the manifest’s names under the braced prefix, and count the same', async () => {
    const cluster = await redisCluster();
    const config = loadConfig({
      REDIS_CLUSTER_NODES: cluster.nodes,
      KEY_PREFIX: `bp:test:keda-${randomUUID().slice(0, 8)}`,
    });
    expect(config.keyPrefix).toMatch(/^\{bp:test:keda-\w+\}$/);
    // the manifest's key (for KEY_PREFIX `bp`, so `{bp}` in a cluster) under this test's prefix
    const wait = `${config.keyPrefix}:${waitList!.slice('bp:'.length)}`;
    const active = `${config.keyPrefix}:${activeList!.slice('bp:'.length)}`;
    expect([wait, active]).toEqual([
      `${config.keyPrefix}:training:wait`,
      `${config.keyPrefix}:training:active`,
    ]);
    const redis = connectRedis(config);
    const clusterQueue = new Queue(queueName, {
      connection: bullConnection(config),
      prefix: config.keyPrefix,
    });
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const worker = new Worker(queueName, () => held, {
      connection: bullConnection(config),
      prefix: config.keyPrefix,
      concurrency: 2,
      autorun: false,
    });
    try {
      await clusterQueue.addBulk([1, 2, 3].map((n) => ({ name: 'job', data: { n } })));
      expect(await redis.llen(wait)).toBe(3);
      void worker.run();
      await until(async () => (await redis.llen(active)) === 2);
      expect(await redis.llen(wait)).toBe(1);
      release();
      await until(async () => (await clusterQueue.getCompletedCount()) === 3);
      expect(await redis.llen(active)).toBe(0);
    } finally {
      release();
      await worker.close();
      await clusterQueue.close();
      await redis.quit();
      await cluster.remove();
    }
  });
});
