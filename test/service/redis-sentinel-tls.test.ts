// Sentinel over TLS (issue 16): a master, a replica and two sentinels of this test's own, every
// one TLS only (no plain port), replicating and monitoring over TLS, with passwords, their
// certificate self-signed here and trusted through REDIS_TLS_CA (test/helpers/sentinel-setup.ts).
// The service gets a rediss:// REDIS_URL (TLS to the sentinels and to the master both), whose
// host and port nothing listens on, and runs a job end to end on the master the sentinels name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import { keysFor } from '../../src/store/redis.js';
import { runsAJob } from '../helpers/runs-a-job.js';
import { password, type SentinelSetup, sentinelSetup } from '../helpers/sentinel-setup.js';
import { startService, type TestService } from '../helpers/service.js';

const db = 2;

describe('Redis Sentinel over TLS (rediss:// + REDIS_SENTINELS + REDIS_TLS_CA)', () => {
  let service: TestService;
  let setup: SentinelSetup;

  beforeAll(async () => {
    setup = await sentinelSetup({ name: 'bp-tls-master', db, tls: true });
    expect(setup.env.REDIS_URL).toMatch(/^rediss:/);
    service = await startService({ env: setup.env, workers: 1 });
  }, 90_000);

  afterAll(async () => {
    await service?.stop();
    await setup?.stop();
  });

  it('runs a job on the master the sentinels name, every connection over TLS', async () => {
    const id = await runsAJob(service);
    const job = keysFor(service.config.keyPrefix, defaultTenant).job(id);
    const { masterPort, cli } = setup;
    expect(cli(masterPort, password, '-n', String(db), 'exists', job)).toBe('1');
    // no plain port anywhere: every client of the master came in over TLS
    expect(cli(masterPort, password, 'config', 'get', 'port').split('\n')[1]).toBe('0');
    expect(cli(masterPort, password, 'info', 'clients')).toMatch(/connected_clients:[1-9]/);
  });
});
