// With REDIS_CLUSTER_NODES every key of one job — its record, events, model claim, checkpoint,
// the model it makes, the prefix-wide keys its scripts touch with them, and BullMQ's keys for it —
// hashes to one slot: a cluster runs a script or MULTI only over keys of one slot. Without a
// cluster the prefix stays as given. (The slots as a real cluster computes them:
// test/service/redis-cluster.test.ts.)
import { QueueKeys } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { queueName } from '../../src/queue.js';
import { channelsFor, keysFor, metricsKeysFor } from '../../src/store/redis.js';
import { keySlot } from '../helpers/key-slot.js';

const cluster = { REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000' };

describe('keys in a Redis Cluster', () => {
  it('computes slots as Redis does', () => {
    // the cluster spec's own examples, and what CLUSTER KEYSLOT answers
    expect(keySlot('somekey')).toBe(11058);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    // an empty tag is no tag: the whole key is hashed
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
  });

  it('the prefix becomes one hash tag, KEY_PREFIX kept inside it', () => {
    expect(loadConfig({ ...cluster }).keyPrefix).toBe('{bp}');
    expect(loadConfig({ ...cluster, KEY_PREFIX: 'bp:eu-1' }).keyPrefix).toBe('{bp:eu-1}');
    expect(loadConfig({ KEY_PREFIX: 'bp:eu-1' }).keyPrefix).toBe('bp:eu-1');
  });

  it('every key of one job, ours and BullMQ’s, is in the slot of the prefix', () => {
    const prefix = loadConfig({ ...cluster, KEY_PREFIX: 'bp:eu-1' }).keyPrefix;
    const id = '01JEXAMPLE0000000000000000';
    const keys = keysFor(prefix, 'acme');
    const bull = new QueueKeys(prefix);
    const jobKeys = [
      keys.job(id),
      keys.jobEvents(id),
      keys.jobModel(id),
      keys.checkpoint(id),
      keys.jobs,
      `${keys.jobsByStatus}running`,
      keys.expiringJobs,
      keys.jobCounts,
      keys.model('01JMODEL00000000000000000'),
      keys.modelSummary('01JMODEL00000000000000000'),
      keys.models,
      keys.nameVersions('iris'),
      keys.blobRefs,
      keys.blobDeleting,
      keys.idempotency('key-1'),
      // a sweep's (issue 17): its scripts touch these together
      keys.sweep(id),
      keys.sweepTrials(id),
      keys.sweepJobs(id),
      keys.sweepRungs(id),
      keys.sweepRung(id, 5),
      keys.sweeps,
      `${keys.sweepsByStatus}running`,
      ...Object.values(metricsKeysFor(prefix)),
      ...Object.values(channelsFor(prefix)),
      ...Object.values(bull.getKeys(queueName)),
      bull.toKey(queueName, id), // BullMQ's hash of the job
      `${bull.toKey(queueName, id)}:lock`,
      `${bull.toKey(queueName, id)}:logs`,
    ];
    const slot = keySlot('bp:eu-1');
    expect(jobKeys.map(keySlot)).toEqual(jobKeys.map(() => slot));
    // a tenant or name with braces of its own does not move a key: the first tag is the prefix
    expect(keySlot(keysFor(prefix, 'x{y}').job(id))).toBe(slot);
    // without the braces these keys would spread over slots (so scripts would be refused)
    const plain = keysFor('bp:eu-1', 'acme');
    expect(new Set([plain.job(id), plain.jobEvents(id), plain.blobRefs].map(keySlot)).size).toBe(3);
  });
});
