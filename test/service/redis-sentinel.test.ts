// The whole service through Redis Sentinel: a master and a replica with passwords, and two
// sentinels with a password of their own, all redis-servers of this test (in a scratch folder, on
// free ports). The service gets REDIS_SENTINELS + REDIS_SENTINEL_NAME and a REDIS_URL whose host
// and port nothing listens on (only its password and database are used), so a connection that
// bypassed Sentinel would fail. /readyz, a job through queue, worker process and thread, its
// events over SSE, predict; then SENTINEL FAILOVER, and the same again on the new master.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import { keysFor } from '../../src/store/redis.js';
import { runsAJob } from '../helpers/runs-a-job.js';
import {
  password,
  type SentinelSetup,
  sentinelPassword,
  sentinelSetup,
  until,
} from '../helpers/sentinel-setup.js';
import { http, startService, type TestService, xorNetwork } from '../helpers/service.js';

const name = 'bp-master';
const db = 3;

describe('Redis Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME)', () => {
  let service: TestService;
  let setup: SentinelSetup;
  let masterPort: number;
  let replicaPort: number;
  let sentinelPorts: number[];
  const cli = (port: number, auth: string, ...args: string[]) => setup.cli(port, auth, ...args);
  const masterPortSeenBy = (port: number) => setup.masterPortSeenBy(port);

  /** How many of the service's keys the server at `port` holds in our database. */
  function keysOn(port: number): number {
    const pattern = `${service.config.keyPrefix}:*`;
    const reply = cli(port, password, '-n', String(db), '--scan', '--pattern', pattern);
    return reply === '' ? 0 : reply.split('\n').length;
  }

  beforeAll(async () => {
    setup = await sentinelSetup({ name, db });
    ({ masterPort, replicaPort, sentinelPorts } = setup);
    service = await startService({ env: setup.env, workers: 1 });
  });

  afterAll(async () => {
    await service?.stop();
    await setup?.stop();
  });

  it('runs a job on the master the sentinels name, in REDIS_URL’s database', async () => {
    expect(masterPortSeenBy(sentinelPorts[0]!)).toBe(masterPort);
    const id = await runsAJob(service);
    expect(
      cli(
        masterPort,
        password,
        '-n',
        String(db),
        'exists',
        keysFor(service.config.keyPrefix, defaultTenant).job(id),
      ),
    ).toBe('1');
    expect(keysOn(masterPort)).toBeGreaterThan(0);
    expect(cli(masterPort, password, '-n', '0', 'dbsize')).toBe('0');
  });

  it('follows a failover mid-job: the running job goes on, and new jobs run on the new master', async () => {
    // a job far longer than the test: it runs through the failover, then is cancelled
    const long = await http(service, 'POST', '/v1/jobs', {
      network: xorNetwork,
      dataset: { generator: 'xor', samples: 4000, seed: 1 },
      training: { epochs: 1_000_000, learningRate: 0.5, seed: 2, tolerance: 0 },
    });
    expect(long.status).toBe(202);
    const epochNow = async () =>
      (await http(service, 'GET', `/v1/jobs/${long.body.id}`)).body as {
        status: string;
        progress: { epoch: number };
      };
    await until('the long job running', async () => (await epochNow()).progress.epoch > 0);
    expect(cli(sentinelPorts[0]!, sentinelPassword, 'sentinel', 'failover', name)).toBe('OK');
    await until('the sentinels to name the replica', () =>
      sentinelPorts.every((port) => masterPortSeenBy(port) === replicaPort),
    );
    await until('the old master to follow the new one', () =>
      cli(masterPort, password, 'info', 'replication').includes('role:slave'),
    );
    await until('the service ready again', async () => {
      const ready = await fetch(`${service.url}/readyz`).catch(() => undefined);
      return ready?.status === 200;
    });
    // the long job's progress goes on being written, now to the new master
    const after = (await epochNow()).progress.epoch;
    await until('the long job past the failover', async () => {
      const now = await epochNow();
      return now.status === 'running' && now.progress.epoch > after;
    });
    expect((await http(service, 'POST', `/v1/jobs/${long.body.id}/cancel`)).status).toBe(200);
    await until('the long job cancelled', async () => (await epochNow()).status === 'cancelled');
    const id = await runsAJob(service);
    // written on the new master (and copied to the old one, now its replica)
    expect(
      cli(
        replicaPort,
        password,
        '-n',
        String(db),
        'exists',
        keysFor(service.config.keyPrefix, defaultTenant).job(id),
      ),
    ).toBe('1');
  });
});
