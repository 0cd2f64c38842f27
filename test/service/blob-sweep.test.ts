// The orphaned-blob sweep as a worker runs it (issue 16): with BLOB_SWEEP_SECONDS=1 a worker
// process deletes a blob nothing names that was stored over an hour ago, and leaves a blob a
// running job's checkpoint names, as old. A blob is made old by setting its file's time back.
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultTenant } from '../../src/config.js';
import type { TrainCheckpoint } from '../../src/engine/index.js';
import type { BlobStore } from '../../src/store/blobs/index.js';
import { connectRedis, createStores } from '../../src/store/index.js';
import { startService, type TestService } from '../helpers/service.js';

let service: TestService;
let blobs: BlobStore;
beforeAll(async () => {
  service = await startService({ env: { BLOB_SWEEP_SECONDS: '1' } });
  blobs = await service.blobs();
});
afterAll(async () => {
  await blobs?.close();
  await service?.stop();
});

const checkpoint: TrainCheckpoint = {
  epoch: 3,
  position: 0,
  errorSum: 0,
  correct: 0,
  order: Uint32Array.from([0]),
  random: 1,
  params: { W: [Float32Array.from([0.75])], b: [Float32Array.from([-0.5])] },
  optimizer: { steps: 3, slots: [] },
  best: null,
  bestError: Number.POSITIVE_INFINITY,
  sinceBest: 0,
  calm: 0,
  elapsedMs: 1,
};

function twoHoursOld(sha256: string) {
  const dir = fileURLToPath(service.env.BLOB_URL!);
  const at = new Date(Date.now() - 2 * 3600 * 1000);
  utimesSync(join(dir, sha256.slice(0, 2), sha256), at, at);
}

it('a worker deletes an old blob nothing names and keeps a named one', async () => {
  const redis = connectRedis(service.config.redisUrl);
  try {
    const stores = createStores(redis, service.config.keyPrefix, defaultTenant, { blobs });
    await stores.checkpoints.save('job1', checkpoint);
    const named = (await redis.hget(stores.keys.checkpoint('job1'), 'blob'))!;
    const orphan = (await blobs.put(Readable.from([Buffer.from('a checkpoint that expired')])))
      .sha256;
    twoHoursOld(named);
    twoHoursOld(orphan);
    await service.startWorker();
    // the worker's first round is a second after its start
    while (await blobs.exists(orphan)) await new Promise((r) => setTimeout(r, 200));
    expect(await blobs.exists(named)).toBe(true);
    expect((await stores.checkpoints.load('job1'))!.params).toEqual(checkpoint.params);
  } finally {
    await redis.quit();
  }
});
