// The whole service on a Redis Cluster: three masters of this test's own (test/helpers/
// redis-cluster.ts). The service gets REDIS_CLUSTER_NODES and a REDIS_URL whose host and port
// nothing listens on, so a connection that bypassed the cluster would fail. A job through queue,
// worker process and thread, its events over SSE, predict; then every key the service wrote is
// on one master, in the one slot of its `{prefix}` hash tag, BullMQ's keys for the job among them.
// Then a cluster with TLS only and a password: REDIS_URL's rediss:// and password on every node.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import { newId } from '../../src/ids.js';
import { queueName } from '../../src/queue.js';
import { listUnlistedModels } from '../../src/store/model-backfill.js';
import { connectRedis, keysFor, keysUnder } from '../../src/store/redis.js';
import { type RedisCluster, redisCluster } from '../helpers/redis-cluster.js';
import { runsAJob } from '../helpers/runs-a-job.js';
import { freePort, http, startService, type TestService } from '../helpers/service.js';
import { storedModel } from '../helpers/store.js';
import { makeCertificate } from '../helpers/tls-certificate.js';

describe('Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  let cluster: RedisCluster;
  let service: TestService;

  beforeAll(async () => {
    cluster = await redisCluster();
    const nowhere = await freePort(); // REDIS_URL's port: nothing listens there
    service = await startService({
      env: {
        REDIS_URL: `redis://127.0.0.1:${nowhere}`,
        REDIS_CLUSTER_NODES: cluster.nodes,
        RATE_LIMIT_PER_MINUTE: '1000', // the limiter's script runs on the cluster too
      },
      workers: 1,
    });
  });

  afterAll(async () => {
    await service?.stop();
    await cluster?.remove();
  });

  /** Every key under the service's prefix on the node at `port`. */
  const keysOn = (port: number) => {
    const reply = cluster.cli(port, '--scan', '--pattern', `${service.config.keyPrefix}:*`);
    return reply === '' ? [] : reply.split('\n');
  };

  it('runs a job, every key of the service in the one slot of its {prefix} hash tag', async () => {
    expect(service.config.keyPrefix).toMatch(/^\{bp:test:[\w-]+\}$/);
    const id = await runsAJob(service);
    const { body: job } = await http(service, 'GET', `/v1/jobs/${id}`);

    // the three masters share the slots; the service's keys are all on the one owning its tag
    const owners = cluster.ports.filter((port) => keysOn(port).length > 0);
    expect(owners).toHaveLength(1);
    const keys = keysOn(owners[0]!);
    const prefix = service.config.keyPrefix;
    const ours = keysFor(prefix, defaultTenant);
    expect(keys).toEqual(
      expect.arrayContaining([
        ours.job(id),
        ours.jobEvents(id),
        ours.jobModel(id),
        ours.model(job.modelId),
        ours.jobs,
        ours.jobCounts,
        `${prefix}:${queueName}:${id}`, // BullMQ's hash of the job
        `${prefix}:${queueName}:completed`,
        `${prefix}:${queueName}:meta`,
      ]),
    );
    // the rate limiter counted this test's requests there too
    expect(keys.filter((key) => key.startsWith(`${prefix}:ratelimit:`))).toHaveLength(1);
    const slot = cluster.cli(owners[0]!, 'cluster', 'keyslot', prefix.slice(1, -1));
    const slots = new Set(keys.map((key) => cluster.cli(owners[0]!, 'cluster', 'keyslot', key)));
    expect([...slots]).toEqual([slot]);
    expect(cluster.cli(owners[0]!, 'cluster', 'countkeysinslot', slot)).toBe(String(keys.length));
    // and none on the Redis BullMQ or ioredis would reach by default (127.0.0.1:6379)
    expect(cluster.cli(6379, '--scan', '--pattern', `${prefix}:*`)).toBe('');
  });

  it('a second job runs too, and the API lists both', async () => {
    const second = await runsAJob(service);
    const listed = await http(service, 'GET', '/v1/jobs');
    expect(listed.status).toBe(200);
    expect(listed.body.jobs.map((j: { id: string }) => j.id)).toContain(second);
    expect(listed.body.jobs).toHaveLength(2);
  });

  it('SCANs see every master: the keys under the prefix, and a model stored before the registry', async () => {
    const redis = connectRedis(service.config);
    try {
      const prefix = service.config.keyPrefix;
      const onNodes = cluster.ports.flatMap(keysOn).sort();
      expect(onNodes.length).toBeGreaterThan(10);
      expect(await keysUnder(redis, prefix)).toEqual(onNodes);
      // a model as stored before the registry: a document, no summary, not listed
      const id = newId();
      const { id: _, ...doc } = storedModel(id);
      await redis.set(keysFor(prefix, defaultTenant).model(id), JSON.stringify(doc));
      expect(await listUnlistedModels(redis, prefix)).toBe(1);
      const listed = await http(service, 'GET', '/v1/models');
      expect(listed.body.models.map((m: { id: string }) => m.id)).toContain(id);
    } finally {
      await redis.quit();
    }
  });
});

describe('Redis Cluster over TLS with a password (rediss://, REDIS_TLS_CA)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'backprop-cluster-tls-'));
  // a throwaway certificate for 127.0.0.1 (the address the nodes announce), its own CA
  const tls = makeCertificate(dir);
  const password = 'cluster-secret';
  let cluster: RedisCluster;
  let service: TestService;

  beforeAll(async () => {
    cluster = await redisCluster({ password, tls });
    const nowhere = await freePort();
    service = await startService({
      env: {
        REDIS_URL: `rediss://:${password}@127.0.0.1:${nowhere}`,
        REDIS_TLS_CA: tls.cert,
        REDIS_CLUSTER_NODES: cluster.nodes,
      },
      workers: 1,
    });
  });

  afterAll(async () => {
    await service?.stop();
    await cluster?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a job, its keys on the cluster', async () => {
    const id = await runsAJob(service);
    const key = keysFor(service.config.keyPrefix, defaultTenant).job(id);
    const found = cluster.ports.map((port) => cluster.cli(port, '-c', 'exists', key));
    expect(found).toEqual(['1', '1', '1']); // -c follows the MOVED to the owning node
  });
});
