// What a service on any Redis set-up must carry (TLS, IPv6, Sentinel, …): readiness, an xor job
// through queue, worker and thread to the end, its 30 epochs over SSE, and predict.
import { expect } from 'vitest';
import { follow } from './events.js';
import { http, type TestService, waitForJob, xorNetwork } from './service.js';

const job = {
  network: xorNetwork,
  dataset: { generator: 'xor', samples: 4 },
  training: { epochs: 30, learningRate: 0.5, seed: 7 },
};

/** Runs the job end to end on `service`, asserting each step; the job's id. */
export async function runsAJob(service: TestService): Promise<string> {
  expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  const submitted = await http(service, 'POST', '/v1/jobs', job);
  expect(submitted.status).toBe(202);
  const done = await waitForJob(
    service,
    submitted.body.id,
    (j) => j.status !== 'queued' && j.status !== 'running',
  );
  expect(done.status).toBe('succeeded');
  expect(done.progress.epoch).toBe(30);
  const events = await follow(service, submitted.body.id);
  expect(events.filter((e) => e.type === 'epoch').map((e) => e.data.epoch)).toEqual(
    Array.from({ length: 30 }, (_, i) => i + 1),
  );
  expect(events.at(-1)?.data.modelId).toBe(done.modelId);
  const predicted = await http(service, 'POST', `/v1/models/${done.modelId}/predict`, {
    inputs: [[0, 1]],
  });
  expect(predicted.status).toBe(200);
  expect(predicted.body.outputs).toHaveLength(1);
  return submitted.body.id;
}
