// Crash-safe training with real worker processes: a worker SIGKILLed mid-training (twice in one
// job) loses at most the work since its last checkpoint; the next worker takes the job up from
// there, the stream shows every epoch once with a `resumed` event at each restart, and the final
// weights equal, bit for bit, those of the same job trained without interruption, as does its
// history (kept at a bounded resolution in the checkpoint, not rebuilt from the event stream).
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/store/index.js';
import { newWebhookSecret } from '../../src/webhooks.js';
import { follow } from '../helpers/events.js';
import {
  http,
  secondsLongJob,
  startService,
  type TestService,
  waitForJob,
} from '../helpers/service.js';

let service: TestService;
let worker: ChildProcess;
let expected: unknown; // the weights of the job trained without interruption
let expectedHistory: { epoch: number }[] = []; // and its history
let referenceModel = ''; // and its model's id
// a webhook receiver: each message must arrive once, crashes or not
const messages: { id: string; payload: any }[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    messages.push({ id: String(req.headers['webhook-id']), payload: JSON.parse(body) });
    res.writeHead(204).end();
  });
});
let hookUrl = '';
beforeAll(async () => {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  service = await startService({
    env: {
      WORKER_LOCK_MS: '1000',
      WORKER_CONCURRENCY: '1',
      CHECKPOINT_INTERVAL_MS: '200',
      // fewer points than epochs: the history is downsampled across the restarts
      MAX_HISTORY_POINTS: '16',
      WEBHOOK_SECRETS: `default:${newWebhookSecret()}`,
      WEBHOOK_ALLOW_PRIVATE: '1', // the receiver is on 127.0.0.1
      WEBHOOK_EPOCH_INTERVAL_MS: '0',
    },
  });
  worker = await service.startWorker();
  const reference = await submit();
  const done = await waitForJob(service, reference, (j) => j.status === 'succeeded', 120_000);
  expected = await weightsOf(done.modelId);
  referenceModel = done.modelId;
  expectedHistory = (await http(service, 'GET', `/v1/models/${done.modelId}`)).body.history;
});
afterAll(async () => {
  await service?.stop();
  receiver.closeAllConnections();
  receiver.close();
});

// With a validation split, so that early-stopping state is part of each checkpoint.
const job = secondsLongJob(21, { validationSplit: 0.2, patience: 1000 });

async function submit(webhook?: object): Promise<string> {
  const r = await http(service, 'POST', '/v1/jobs', webhook ? { ...job, webhook } : job);
  expect(r.status).toBe(202);
  return r.body.id;
}

const weightsOf = async (modelId: string) =>
  (await http(service, 'GET', `/v1/models/${modelId}`)).body.weights;

describe('a worker killed mid-training', () => {
  it('twice: the job completes on another worker with bit-identical weights', async () => {
    const redis = connectRedis(service.config.redisUrl);
    const blobs = await service.blobs();
    try {
      const id = await submit({ url: hookUrl, events: ['status', 'epoch', 'done'] });
      const lost: number[] = [];
      for (const atEpoch of [12, 26]) {
        await waitForJob(service, id, (j) => j.progress.epoch >= atEpoch, 120_000);
        // a checkpoint is there to resume from, its arrays a blob in the blob store
        const blob = await redis.hget(
          `${service.config.keyPrefix}:tenant:default:job:${id}:checkpoint`,
          'blob',
        );
        expect(blob).toMatch(/^[0-9a-f]{64}$/);
        expect(await blobs.exists(blob!)).toBe(true);
        const killedAt = (await http(service, 'GET', `/v1/jobs/${id}`)).body.progress.epoch;
        await new Promise((r) => worker.once('exit', r).kill('SIGKILL'));
        worker = await service.startWorker();
        // this crash's `resumed` event: the stream holds one per crash so far
        let seen = 0;
        const events = await follow(service, id, {
          until: (e) => e.type === 'resumed' && ++seen === lost.length + 1,
        });
        const resumed = events.filter((e) => e.type === 'resumed');
        lost.push(killedAt - resumed[lost.length]!.data.epoch);
      }
      const finished = await waitForJob(service, id, (j) => j.status === 'succeeded', 120_000);
      expect(await weightsOf(finished.modelId)).toEqual(expected);
      expect(finished.metrics.epochs).toBe(40);

      const events = await follow(service, id);
      expect(events.filter((e) => e.type === 'epoch').map((e) => e.data.epoch)).toEqual(
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      expect(events.filter((e) => e.type === 'resumed')).toHaveLength(2);
      expect(events.filter((e) => e.type === 'status').map((e) => e.data.status)).toEqual([
        'queued',
        'running',
        'succeeded',
      ]);
      // the model's history is the uninterrupted run's: every 4th epoch (16 points at most), and the last
      const model = (await http(service, 'GET', `/v1/models/${finished.modelId}`)).body;
      expect(model.history).toEqual(expectedHistory);
      expect(expectedHistory.map((h) => h.epoch)).toEqual([
        1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 40,
      ]);
      // and the checkpoint is gone with the job, its blobs too: the two models' files are all
      // the blob store holds
      expect(
        await redis.exists(`${service.config.keyPrefix}:tenant:default:job:${id}:checkpoint`),
      ).toBe(0);
      const modelBlobs = await Promise.all(
        [referenceModel, finished.modelId].map(async (modelId) => {
          const key = `${service.config.keyPrefix}:tenant:default:model:${modelId}`;
          return (JSON.parse((await redis.get(key))!) as { weights: { blob: string } }).weights
            .blob;
        }),
      );
      const stored: string[] = [];
      for await (const key of blobs.list()) stored.push(key);
      expect(stored.sort()).toEqual(modelBlobs.sort());
      // its webhook heard each message once: the status changes, the epochs, done
      await new Promise((r) => setTimeout(r, 500)); // deliveries trail the job a little
      const ids = messages.map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      const types = (type: string) => messages.filter((m) => m.payload.type === type);
      expect(types('job.status').map((m) => m.payload.data.status)).toEqual([
        'queued',
        'running',
        'succeeded',
      ]);
      expect(types('job.done').map((m) => m.payload.data.modelId)).toEqual([finished.modelId]);
      const epochs = types('job.epoch').map((m) => m.payload.data.epoch as number);
      expect(epochs.length).toBeGreaterThanOrEqual(30); // a crash may cost the epoch it was sending
      expect(epochs.every((e) => e >= 1 && e <= 40)).toBe(true);
      process.stdout.write(`webhook epoch messages after two crashes: ${epochs.length} of 40\n`);
      // a few epochs of work at most lost per crash (about 0.1 s each; checkpoints every 200 ms)
      for (const epochs of lost) expect(epochs).toBeLessThanOrEqual(4);
      process.stdout.write(`epochs lost per crash: ${lost.join(', ')}\n`);
    } finally {
      await Promise.all([redis.quit(), blobs.close()]);
    }
  });

  it('SIGTERM: the worker checkpoints, hands the job back at once and exits; another finishes it', async () => {
    const id = await submit();
    await waitForJob(service, id, (j) => j.progress.epoch >= 10, 120_000);
    const asked = Date.now();
    const exited = new Promise<number | null>((r) => worker.once('exit', (code) => r(code)));
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    const exitMs = Date.now() - asked;
    // back on the queue already: no lock to wait out
    const queue = service.app.services.queue;
    expect(await queue.getJobState(id)).toBe('waiting');
    const handedBackAt = (await http(service, 'GET', `/v1/jobs/${id}`)).body.progress.epoch;
    worker = await service.startWorker();
    const finished = await waitForJob(service, id, (j) => j.status === 'succeeded', 120_000);
    expect(await weightsOf(finished.modelId)).toEqual(expected);
    const events = await follow(service, id);
    expect(events.filter((e) => e.type === 'epoch').map((e) => e.data.epoch)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    const resumed = events.filter((e) => e.type === 'resumed');
    expect(resumed).toHaveLength(1);
    // nothing lost: it resumed from the batch where it stopped, in the epoch it had reached
    expect(resumed[0]!.data.epoch).toBe(handedBackAt);
    process.stdout.write(`SIGTERM to exit: ${exitMs} ms\n`);
  });
});
