// Sweeps end to end (issue 17) with real worker processes: a random sweep with ASHA on iris runs
// every trial as an ordinary job (with its sweepId), at most `parallel` at once, prunes some at
// their rungs, ends with the best trial's model registered under the sweep's name and alias, and
// streams its events; the same sweep run again, on another number of workers, and with a worker
// SIGKILLed in the middle, gives the same trials, the same prunings and the same best; a cancel
// leaves no trial queued or running, nothing on the queues and no rung behind.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepResultView } from '../../src/cli/sweep-view.js';
import { packageRoot } from '../../src/paths.js';
import { queueName, sweepQueueName } from '../../src/queue.js';
import { connectRedis } from '../../src/store/index.js';
import { runCliAsync } from '../helpers/cli.js';
import { http, secondsLongJob, startService, type TestService } from '../helpers/service.js';
import { irisSweep } from '../helpers/sweeps.js';

let service: TestService;
beforeAll(async () => {
  service = await startService({
    env: { WORKER_LOCK_MS: '2000', WORKER_CONCURRENCY: '2', CHECKPOINT_INTERVAL_MS: '200' },
  });
  await service.startWorker();
});
afterAll(() => service?.stop());

// 9 trials of 45 epochs, rungs at 5 and 15
const sweep = (extra: Record<string, unknown> = {}) =>
  irisSweep(
    {
      trials: 9,
      parallel: 3,
      earlyStopping: { method: 'asha', minEpochs: 5, reductionFactor: 3 },
      model: { name: 'iris-sweep', alias: 'best' },
      ...extra,
    },
    { epochs: 45 },
  );

async function waitForSweep(id: string, until: (s: any) => boolean, ms = 180_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const { body } = await http(service, 'GET', `/v1/sweeps/${id}`);
    if (until(body)) return body;
    if (Date.now() > deadline)
      throw new Error(`sweep ${id} is still ${JSON.stringify(body.counts)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ended = (s: any) => s.status !== 'running';

/** Submits `body` (202), waits for the sweep to end, and checks it succeeded: the sweep. */
async function succeededSweep(body: unknown) {
  const submitted = await http(service, 'POST', '/v1/sweeps', body);
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  const done = await waitForSweep(submitted.body.id, ended);
  expect(done.status).toBe('succeeded');
  return done;
}
const outcome = (s: any) => ({
  trials: s.trials.map((t: any) => [t.index, t.status, t.metric, t.epochs, t.params]),
  best: { index: s.best?.index, metric: s.best?.metric, params: s.best?.params },
});

let reference: any;

describe('a random sweep with ASHA', () => {
  it('runs every trial as a job, prunes some, and registers the best model', {
    timeout: 240_000,
  }, async () => {
    const submitted = await http(service, 'POST', '/v1/sweeps', sweep());
    expect(submitted.status).toBe(202);
    expect(submitted.body).toMatchObject({ status: 'running', trialCount: 9, parallel: 3 });
    expect(submitted.body.trials.map((t: any) => t.status)).toEqual(Array(9).fill('pending'));
    // at most `parallel` trials queued or running at any moment
    let most = 0;
    const done = await waitForSweep(submitted.body.id, (s) => {
      most = Math.max(most, s.counts.queued + s.counts.running);
      return ended(s);
    });
    expect(most).toBeLessThanOrEqual(3);
    expect(done.status).toBe('succeeded');
    reference = done;
    const statuses = done.trials.map((t: any) => t.status);
    expect(statuses.every((s: string) => s === 'succeeded' || s === 'pruned')).toBe(true);
    expect(statuses).toContain('pruned');
    for (const t of done.trials.filter((trial: any) => trial.status === 'pruned'))
      expect([5, 15]).toContain(t.epochs);
    // the best: the succeeded trial with the least validation error (of equals the lower index)
    const succeeded = done.trials.filter((t: any) => t.status === 'succeeded');
    const least = Math.min(...succeeded.map((t: any) => t.metric));
    const winner = succeeded.find((t: any) => t.metric === least);
    expect(done.best).toMatchObject({ index: winner.index, jobId: winner.jobId, metric: least });
    // each trial is an ordinary job with its sweepId; a pruned one says where it stopped
    for (const t of done.trials) {
      const { body: job } = await http(service, 'GET', `/v1/jobs/${t.jobId}`);
      expect(job).toMatchObject({ sweepId: done.id, status: t.status, seed: 7 });
      expect(job.spec.training.learningRate).toBe(t.params['training.learningRate']);
      expect(job.spec.network.layers[0].units).toBe(t.params['network.layers.0.units']);
      if (t.status === 'succeeded') expect(job.metrics.validationError).toBe(t.metric);
      else expect(job.modelId).toBeUndefined();
    }
    // the trial's metric at a rung is its epoch's validation error there
    const pruned = done.trials.find((t: any) => t.status === 'pruned');
    const events = await (await fetch(`${service.url}/v1/jobs/${pruned.jobId}/events`)).text();
    const prunedEvent = JSON.parse(/event: pruned\ndata: (.*)\n/.exec(events)![1]!);
    expect(prunedEvent).toMatchObject({ epoch: pruned.epochs, metric: pruned.metric });
    const atRung = /event: epoch\ndata: (.*)\n/g;
    const reports = [...events.matchAll(atRung)].map((m) => JSON.parse(m[1]!));
    expect(reports.find((r) => r.epoch === pruned.epochs).validationError).toBe(pruned.metric);
    // the best model, registered under the sweep's name and alias
    expect(done.model).toMatchObject({ name: 'iris-sweep', version: 1, alias: 'best' });
    const { body: model } = await http(service, 'GET', '/v1/models/iris-sweep@best');
    expect(model.id).toBe(done.model.id);
    const { body: trained } = await http(service, 'GET', `/v1/models/${done.best.modelId}`);
    expect(model.weights).toEqual(trained.weights);
    // listed, newest first
    const { body: list } = await http(service, 'GET', '/v1/sweeps?status=succeeded');
    expect(list.sweeps.map((s: any) => s.id)).toContain(done.id);

    // its trials, and only they, in the job list by sweepId: newest first, a page at a time
    const newestFirst = done.trials
      .map((t: any) => t.jobId)
      .sort()
      .reverse();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const after: string = cursor ? `&cursor=${cursor}` : '';
      const { body: page } = await http(
        service,
        'GET',
        `/v1/jobs?sweepId=${done.id}&limit=4${after}`,
      );
      expect(page.jobs.length).toBeLessThanOrEqual(4);
      for (const job of page.jobs) expect(job.sweepId).toBe(done.id);
      seen.push(...page.jobs.map((j: any) => j.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(newestFirst);
    const { body: prunedOnes } = await http(
      service,
      'GET',
      `/v1/jobs?sweepId=${done.id}&status=pruned&limit=100`,
    );
    expect(prunedOnes.jobs.map((j: any) => j.id).sort()).toEqual(
      done.trials
        .filter((t: any) => t.status === 'pruned')
        .map((t: any) => t.jobId)
        .sort(),
    );
    const unknown = await http(service, 'GET', '/v1/jobs?sweepId=nosuchsweep');
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toContain('sweepId: no sweep has id nosuchsweep');
  });

  it('gives the same trials, prunings and best on three workers, all SIGKILLed midway, the API restarted', {
    timeout: 240_000,
  }, async () => {
    expect(reference).toBeDefined();
    await service.startWorker();
    await service.startWorker();
    const { body } = await http(service, 'POST', '/v1/sweeps', sweep({ model: undefined }));
    await waitForSweep(
      body.id,
      (s) => s.counts.running >= 1 && s.counts.succeeded + s.counts.pruned >= 2,
    );
    // every worker killed with trials running, then one new one
    const alive = service.workers.filter((w) => w.exitCode === null && w.signalCode === null);
    await Promise.all(alive.map((w) => new Promise((r) => w.once('exit', r).kill('SIGKILL'))));
    await service.restartApi(); // and the API restarted: the sweep is all in Redis
    await service.startWorker();
    const done = await waitForSweep(body.id, ended);
    expect(done.status).toBe('succeeded');
    // a trial was taken up again from its checkpoint
    const streams = await Promise.all(
      done.trials.map(async (t: any) =>
        (await fetch(`${service.url}/v1/jobs/${t.jobId}/events`)).text(),
      ),
    );
    expect(streams.some((text) => text.includes('event: resumed'))).toBe(true);
    expect(outcome(done)).toEqual(outcome(reference));
  });

  it('gives what `backprop sweep` gives locally for the same file: trials, prunings, best', {
    timeout: 240_000,
  }, async () => {
    expect(reference).toBeDefined();
    // the command as a user runs it (its own process: its kernels as a worker's)
    const dir = mkdtempSync(join(tmpdir(), 'bp-sweep-'));
    const file = join(dir, 'sweep.json');
    writeFileSync(file, JSON.stringify(sweep()));
    const cli = await runCliAsync(['sweep', file, '--json', '--threads', '2', '--quiet'], {});
    rmSync(dir, { recursive: true, force: true });
    expect(cli.status, cli.stderr).toBe(0);
    const view = JSON.parse(cli.stdout) as SweepResultView;
    expect(view.status).toBe('succeeded');
    expect(view.trials.map((t) => [t.index, t.status, t.metric, t.epochs, t.params])).toEqual(
      outcome(reference).trials,
    );
    expect(view.best).toMatchObject(outcome(reference).best);
  });

  it('streams the sweep: its trials, epochs, bests and end', { timeout: 240_000 }, async () => {
    // trials of a few seconds each (digits, small batches; no early stopping): epochs are seen
    const slow = {
      spec: secondsLongJob(3, { epochs: 6, validationSplit: 0.2 }),
      parameters: { 'training.learningRate': { values: [0.001, 0.0005] } },
      method: 'grid',
      parallel: 2,
    };
    const { body } = await http(service, 'POST', '/v1/sweeps', slow);
    const res = await fetch(`${service.url}/v1/sweeps/${body.id}/events`);
    const text = await res.text(); // the stream ends with the sweep
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => [
      m[1],
      JSON.parse(m[2]!),
    ]);
    expect(events[0]![0]).toBe('sweep');
    expect(events.at(-1)).toEqual(['end', expect.objectContaining({ status: 'succeeded' })]);
    const types = new Set(events.map(([type]) => type));
    for (const type of ['trial', 'epoch', 'best']) expect(types).toContain(type);
    const best = events.filter(([type]) => type === 'best').at(-1)![1];
    expect(best).toEqual(events.at(-1)![1].best);
  });
});

describe('a sweep whose spec says nothing of validation rows', () => {
  it('holds out 0.2 of the training rows for its validation objective', {
    timeout: 120_000,
  }, async () => {
    const quiet = sweep({ model: undefined, trials: 2, earlyStopping: undefined });
    quiet.spec.training = { epochs: 3, seed: 7 } as any;
    const done = await succeededSweep(quiet);
    for (const t of done.trials) {
      const { body: job } = await http(service, 'GET', `/v1/jobs/${t.jobId}`);
      expect(job.spec.training.validationSplit).toBe(0.2);
      expect(t.metric).toBe(job.metrics.validationError);
    }
  });
});

describe("the issue's own example, on a stored table", () => {
  it('varies the default network of a spec that gives none, and registers penguins@best', {
    timeout: 180_000,
  }, async () => {
    const csv = readFileSync(join(packageRoot(), 'bench', 'data', 'penguins.csv'), 'utf8');
    const res = await fetch(`${service.url}/v1/datasets?label=Species`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    expect(res.status).toBe(201);
    const dataset = (await res.json()) as { id: string };
    // as the issue spells it, with fewer trials and epochs to run in seconds
    const body = {
      spec: { dataset: { id: dataset.id }, training: { epochs: 12, seed: 1 } },
      parameters: {
        'training.learningRate': { logUniform: [0.0003, 0.1] },
        'training.batchSize': { values: [16, 32, 64] },
        'network.layers.0.units': { intUniform: [8, 128] },
      },
      method: 'random',
      trials: 4,
      parallel: 2,
      objective: { metric: 'validationError', goal: 'minimize' },
      earlyStopping: { method: 'asha', minEpochs: 3, reductionFactor: 3 },
      model: { name: 'penguins', alias: 'best' },
    };
    const done = await succeededSweep(body);
    for (const t of done.trials) {
      const { body: job } = await http(service, 'GET', `/v1/jobs/${t.jobId}`);
      // the default hidden layers (64, 32 ReLU) with the first one's units drawn, then the output
      expect(job.spec.network.layers).toEqual([
        { units: t.params['network.layers.0.units'], activation: 'relu' },
        { units: 32, activation: 'relu' },
        { units: 3, activation: 'softmax' },
      ]);
      expect(job.spec.training.validationSplit).toBe(0.2);
    }
    const { body: model } = await http(service, 'GET', '/v1/models/penguins@best');
    expect(model.id).toBe(done.model.id);
  });
});

describe('a sweep of cross-validated trials', () => {
  it("judges each trial by its folds' mean", { timeout: 180_000 }, async () => {
    const body = irisSweep(
      { trials: 2, earlyStopping: undefined },
      { epochs: 8, crossValidation: { folds: 3 } },
    );
    const done = await succeededSweep(body);
    for (const t of done.trials) {
      const { body: job } = await http(service, 'GET', `/v1/jobs/${t.jobId}`);
      expect(job.foldJobIds).toHaveLength(3);
      expect(t.metric).toBe(job.metrics.crossValidation.metrics.validationError.mean);
    }
    // the folds are no trials of the sweep, and carry no sweep of their own
    const { body: fold } = await http(
      service,
      'GET',
      `/v1/jobs/${(await http(service, 'GET', `/v1/jobs/${done.trials[0].jobId}`)).body.foldJobIds[0]}`,
    );
    expect(fold.sweepId).toBeUndefined();
  });
});

describe('cancelling a sweep', () => {
  it('leaves no trial queued or running, nothing on the queues and no rung behind', {
    timeout: 240_000,
  }, async () => {
    const long = {
      spec: secondsLongJob(3, { epochs: 200, validationSplit: 0.2 }),
      parameters: { 'training.learningRate': { logUniform: [0.0001, 0.01] } },
      trials: 12,
      parallel: 2,
      earlyStopping: { method: 'asha', minEpochs: 1 },
    };
    const { body } = await http(service, 'POST', '/v1/sweeps', long);
    await waitForSweep(
      body.id,
      (s) => s.counts.running >= 1 && s.trials.some((t: any) => t.epochs >= 5),
    );
    const cancelled = await http(service, 'POST', `/v1/sweeps/${body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const settled = await waitForSweep(
      body.id,
      (s) => s.counts.queued + s.counts.running === 0,
      30_000,
    );
    expect(settled.counts.pending).toBe(0);
    expect(settled.counts.cancelled).toBeGreaterThanOrEqual(10);
    // a trial that never started has no job; every other one's job has ended as its trial did
    let started = 0;
    for (const t of settled.trials) {
      const res = await http(service, 'GET', `/v1/jobs/${t.jobId}`);
      if (res.status === 404) expect(t.status).toBe('cancelled');
      else {
        started++;
        expect(['cancelled', 'pruned', 'succeeded']).toContain(res.body.status);
        expect(res.body.status).toBe(t.status);
      }
    }
    expect(started).toBeGreaterThanOrEqual(2);
    const prefix = service.config.keyPrefix;
    const redis = connectRedis(service.config.redisUrl);
    try {
      const rungs = await redis.keys(`${prefix}:tenant:default:sweep:${body.id}:rung*`);
      expect(rungs).toEqual([]);
      // BullMQ holds nothing of it waiting, active, delayed or waiting for children
      const deadline = Date.now() + 20_000;
      for (const name of [queueName, sweepQueueName]) {
        const queue = new Queue(name, { connection: redis.duplicate(), prefix });
        try {
          for (;;) {
            const counts = await queue.getJobCounts(
              'waiting',
              'active',
              'delayed',
              'waiting-children',
              'prioritized',
            );
            if (Object.values(counts).every((n) => n === 0)) break;
            if (Date.now() > deadline)
              throw new Error(`${name} still holds ${JSON.stringify(counts)}`);
            await new Promise((r) => setTimeout(r, 200));
          }
        } finally {
          await queue.close();
        }
      }
    } finally {
      await redis.quit();
    }
    expect((await http(service, 'POST', `/v1/sweeps/${body.id}/cancel`)).status).toBe(409);
    // deleted once ended: its record goes, its trials' jobs stay
    expect((await http(service, 'DELETE', `/v1/sweeps/${body.id}`)).status).toBe(204);
    expect((await http(service, 'GET', `/v1/sweeps/${body.id}`)).status).toBe(404);
    expect((await http(service, 'GET', `/v1/jobs/${settled.trials[0].jobId}`)).status).toBe(200);
    const check = connectRedis(service.config.redisUrl);
    expect(await check.keys(`${prefix}:tenant:default:sweep:${body.id}*`)).toEqual([]);
    await check.quit();
  });
});

describe('a sweep refused', () => {
  const refused = async (
    body: unknown,
    errors: { path: string; message: RegExp }[],
    status = 400,
  ) => {
    const res = await http(service, 'POST', '/v1/sweeps', body);
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    for (const e of errors)
      expect(res.body.errors ?? [{ path: '', message: res.body.detail }]).toContainEqual({
        path: e.path,
        message: expect.stringMatching(e.message),
      });
    const { body: list } = await http(service, 'GET', '/v1/sweeps?status=running');
    expect(list.sweeps).toEqual([]);
  };

  it('names the parameter at fault, or the spec field, before anything is queued', async () => {
    await refused(sweep({ parameters: { 'training.learningRat': { values: [0.1] } } }), [
      { path: 'parameters.training.learningRat', message: /names no field/ },
    ]);
    await refused(sweep({ parameters: { 'training.batchSize': { intUniform: [-8, 4] } } }), [
      { path: 'parameters.training.batchSize', message: /drew -?\d+ from intUniform/ },
    ]);
    await refused(sweep({ parameters: { 'network.layers.0.units': { values: [4, 0] } } }), [
      { path: 'parameters.network.layers.0.units', message: /remove that value/ },
    ]);
    const wrongWidth = sweep();
    (wrongWidth.spec.network as any).inputSize = 5;
    await refused(wrongWidth, [{ path: 'spec.network.inputSize', message: /4/ }]);
    await refused(sweep({ spec: { ...sweep().spec, model: { name: 'x' } } }), [
      { path: 'spec.model', message: /sweep's own model/ },
    ]);
    const noValidation = sweep();
    (noValidation.spec.training as any).validationSplit = 0;
    await refused(noValidation, [{ path: 'objective.metric', message: /validation rows/ }]);
    await refused(sweep({ spec: { ...sweep().spec, dataset: { id: 'no-such-dataset' } } }), [
      { path: 'spec.dataset.id', message: /no dataset has this id/ },
    ]);
  });
});
