// The sweep store (issue 17) on the real Redis: trials and their counts, the best trial by the
// objective's goal, ASHA rungs read and appended in one step (also from several connections at
// once, and again by a resumed trial), the list, delete leaving no key, and tenants apart.
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { type SweepInput, sweepSchema } from '../../src/spec/index.js';
import { createStores, duplicateRedis, keysUnder } from '../../src/store/index.js';
import { scratchRedis } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();

/** A grid sweep of `n` learning rates, its objective as given. */
const sweepOf = (n: number, objective?: SweepInput['objective']) =>
  sweepSchema.parse({
    spec: {
      network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      dataset: { generator: 'sine' },
      training: { epochs: 30 },
    },
    parameters: { 'training.learningRate': { values: Array.from({ length: n }, (_, i) => i + 1) } },
    method: 'grid',
    ...(objective ? { objective } : {}),
  });

/** `n` trials, learning rate i + 1 (for trial 0 one of 17 digits: cjson would keep 14), each with a job id. */
const trialsOf = (n: number) =>
  Array.from({ length: n }, (_, index) => ({
    index,
    params: { 'training.learningRate': index === 0 ? 0.12345678901234568 : index + 1 },
    jobId: newId(),
  }));

describe('sweep store', () => {
  it('creates a running sweep and adds its trials queued, sorted by index, params exact', async () => {
    const { sweeps } = createStores(redis, prefix, 'acme');
    const sweep = await sweeps.create(sweepOf(3));
    expect(sweep.status).toBe('running');
    const trials = trialsOf(3);
    expect(await sweeps.addTrials(sweep.id, [trials[2]!, trials[0]!])).toBe('ok');
    expect(await sweeps.addTrials(sweep.id, [trials[1]!, trials[0]!])).toBe('ok'); // 0 again: kept
    const view = await sweeps.get(sweep.id);
    expect(view).toMatchObject({
      id: sweep.id,
      status: 'running',
      createdAt: sweep.createdAt,
      objective: { metric: 'validationError', goal: 'minimize' },
      trialCount: 3,
      counts: { queued: 3, running: 0, succeeded: 0, failed: 0, pruned: 0, cancelled: 0 },
      best: null,
      request: sweepOf(3),
    });
    expect(view!.trials).toEqual(
      trials.map((t) => ({ ...t, status: 'queued', epochs: 0, metric: null })),
    );
    expect(view!.trials[0]!.params['training.learningRate']).toBe(0.12345678901234568);
  });

  it('refuses trials past the count, taken indexes and job ids, all or none', async () => {
    const { sweeps } = createStores(redis, prefix, 'acme');
    const sweep = await sweeps.create(sweepOf(2));
    const [a, b] = trialsOf(2) as [ReturnType<typeof trialsOf>[0], ReturnType<typeof trialsOf>[0]];
    expect(await sweeps.addTrials(sweep.id, [a, { ...b, index: 2 }])).toBe('index');
    expect(await sweeps.addTrials(sweep.id, [{ ...a, index: -1 }])).toBe('index');
    expect(await sweeps.addTrials(sweep.id, [a, { ...b, index: 0 }])).toBe('conflict');
    expect(await sweeps.addTrials(sweep.id, [a, { ...b, jobId: a.jobId }])).toBe('conflict');
    expect((await sweeps.get(sweep.id))!.trials).toEqual([]);
    expect(await sweeps.addTrials(sweep.id, [a])).toBe('ok');
    expect(await sweeps.addTrials(sweep.id, [{ ...a, jobId: b.jobId }])).toBe('conflict');
    expect(await sweeps.addTrials(sweep.id, [{ ...b, jobId: a.jobId }])).toBe('conflict');
    expect(await sweeps.addTrials('01JNOSUCHSWEEP000000000000', [b])).toBe('missing');
    expect(await sweeps.finish(sweep.id, 'cancelled')).toBe('ok');
    expect(await sweeps.addTrials(sweep.id, [b])).toBe('cancelled');
    expect((await sweeps.get(sweep.id))!.counts.queued).toBe(1);
  });

  it('keeps the best succeeded trial when minimizing: ties keep the first, pruned never best', async () => {
    const { sweeps } = createStores(redis, prefix, 'acme');
    const sweep = await sweeps.create(sweepOf(6));
    const trials = trialsOf(6);
    await sweeps.addTrials(sweep.id, trials);
    const id = (i: number) => trials[i]!.jobId;
    for (const i of [0, 1, 2, 3, 4]) expect(await sweeps.trialStarted(sweep.id, id(i))).toBe('ok');
    expect(await sweeps.trialStarted(sweep.id, id(0))).toBe('running');
    const end = (
      i: number,
      status: 'succeeded' | 'failed' | 'pruned' | 'cancelled',
      metric?: number,
    ) => sweeps.trialEnded(sweep.id, id(i), { status, metric, epochs: 30 });
    expect(await end(0, 'succeeded', 0.5)).toEqual({ allEnded: false });
    expect(await end(1, 'succeeded', 0.3)).toEqual({ allEnded: false });
    expect(await end(2, 'succeeded', 0.3)).toEqual({ allEnded: false }); // a tie: 1 stays best
    expect(await end(3, 'pruned', 0.01)).toEqual({ allEnded: false });
    expect(await end(4, 'failed', Number.NaN)).toEqual({ allEnded: false });
    let view = (await sweeps.get(sweep.id))!;
    expect(view.best).toEqual({ index: 1, jobId: id(1), metric: 0.3, params: trials[1]!.params });
    expect(view.counts).toEqual({
      queued: 1,
      running: 0,
      succeeded: 3,
      failed: 1,
      pruned: 1,
      cancelled: 0,
    });
    expect(view.trials.map((t) => [t.status, t.metric, t.epochs])).toEqual([
      ['succeeded', 0.5, 30],
      ['succeeded', 0.3, 30],
      ['succeeded', 0.3, 30],
      ['pruned', 0.01, 30],
      ['failed', null, 30],
      ['queued', null, 0],
    ]);
    // ending a trial again changes nothing (a retried worker), not even a better metric
    expect(await end(2, 'succeeded', 0.1)).toEqual({ allEnded: false });
    expect((await sweeps.get(sweep.id))!.best!.jobId).toBe(id(1));
    // the last one, never started, cancelled: every trial has ended
    expect(await end(5, 'cancelled')).toEqual({ allEnded: true });
    expect(await sweeps.trialEnded(sweep.id, newId(), { status: 'failed' })).toBe('missing');
    view = (await sweeps.get(sweep.id))!;
    expect(view.counts).toMatchObject({ queued: 0, succeeded: 3, cancelled: 1 });
    expect(await sweeps.finish(sweep.id, 'succeeded')).toBe('ok');
    expect(await sweeps.finish(sweep.id, 'failed')).toBe('succeeded');
    view = (await sweeps.get(sweep.id))!;
    expect(view.status).toBe('succeeded');
    expect(Date.parse(view.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(view.createdAt));
  });

  it('keeps the highest accuracy when maximizing, ties keeping the first', async () => {
    const { sweeps } = createStores(redis, prefix, 'acme');
    const sweep = await sweeps.create(sweepOf(4, { metric: 'validationAccuracy' }));
    expect(sweep.objective).toEqual({ metric: 'validationAccuracy', goal: 'maximize' });
    const trials = trialsOf(4);
    await sweeps.addTrials(sweep.id, trials);
    for (const [i, metric] of [
      [0, 0.8],
      [1, 0.9],
      [2, 0.7],
      [3, 0.9],
    ] as const)
      await sweeps.trialEnded(sweep.id, trials[i]!.jobId, { status: 'succeeded', metric });
    const view = (await sweeps.get(sweep.id))!;
    expect(view.best).toEqual({
      index: 1,
      jobId: trials[1]!.jobId,
      metric: 0.9,
      params: trials[1]!.params,
    });
    expect(view.counts.succeeded).toBe(4);
  });

  it('records a rung: each trial gets the values before its own, once', async () => {
    const { sweeps, keys } = createStores(redis, prefix, 'acme');
    const sweep = await sweeps.create(sweepOf(4));
    const trials = trialsOf(4);
    await sweeps.addTrials(sweep.id, trials);
    const id = (i: number) => trials[i]!.jobId;
    expect(await sweeps.recordRung(sweep.id, 5, id(0), 0.5)).toEqual([]);
    expect(await sweeps.recordRung(sweep.id, 5, id(1), 0.25)).toEqual([0.5]);
    expect(await sweeps.recordRung(sweep.id, 5, id(2), Number.NaN)).toEqual([0.5, 0.25]);
    expect(await sweeps.recordRung(sweep.id, 5, id(3), 1e-7)).toEqual([0.5, 0.25, Number.NaN]);
    // resumed tries record again, with other values: the same answers, nothing appended
    expect(await sweeps.recordRung(sweep.id, 5, id(0), 9)).toEqual([]);
    expect(await sweeps.recordRung(sweep.id, 5, id(2), 9)).toEqual([0.5, 0.25]);
    expect(await redis.lrange(keys.sweepRungValues(sweep.id, 5), 0, -1)).toEqual([
      '0.5',
      '0.25',
      'NaN',
      '1e-7',
    ]);
    // another rung is its own
    expect(await sweeps.recordRung(sweep.id, 15, id(1), 0.2)).toEqual([]);
    const view = (await sweeps.get(sweep.id))!;
    expect(view.trials.map((t) => t.epochs)).toEqual([5, 15, 5, 5]);
    expect(await sweeps.recordRung(sweep.id, 5, newId(), 1)).toBe('missing');
    expect(await sweeps.recordRung('01JNOSUCHSWEEP000000000000', 5, id(0), 1)).toBe('missing');
  });

  it('records a rung from many connections at once: each sees a prefix of one order', async () => {
    const { sweeps } = createStores(redis, prefix, 'acme');
    const n = 16;
    const sweep = await sweeps.create(sweepOf(n));
    const trials = trialsOf(n);
    await sweeps.addTrials(sweep.id, trials);
    const connections = trials.map(() => duplicateRedis(redis));
    try {
      const results = await Promise.all(
        trials.map((t, i) =>
          createStores(connections[i]!, prefix, 'acme').sweeps.recordRung(
            sweep.id,
            5,
            t.jobId,
            i / 10,
          ),
        ),
      );
      const seen = results.map((r, i) => ({ prior: r as number[], value: i / 10 }));
      seen.sort((a, b) => a.prior.length - b.prior.length);
      // the arrival order: trial k saw exactly the k values before it
      expect(seen.map((s) => s.prior.length)).toEqual(trials.map((_, k) => k));
      const order = seen.map((s) => s.value);
      for (const [k, s] of seen.entries()) expect(s.prior).toEqual(order.slice(0, k));
      // and again from all, in any interleaving: the same answers
      const again = await Promise.all(
        trials.map((t, i) =>
          createStores(connections[i]!, prefix, 'acme').sweeps.recordRung(sweep.id, 5, t.jobId, 7),
        ),
      );
      expect(again).toEqual(results);
    } finally {
      await Promise.all(connections.map((c) => c.quit()));
    }
  });

  it('ends trials from many connections at once: one of them is told every trial has ended', async () => {
    const { sweeps } = createStores(redis, prefix, 'acme');
    const n = 12;
    const sweep = await sweeps.create(sweepOf(n));
    const trials = trialsOf(n);
    await sweeps.addTrials(sweep.id, trials);
    const connections = trials.map(() => duplicateRedis(redis));
    // metrics 0.6, 0.5, …: trials 6 and 7 share the lowest, 0 (the one that ends first is best)
    const metricOf = (i: number) => Math.abs(6 - i) / 10 - (i === 7 ? 0.1 : 0);
    try {
      const results = await Promise.all(
        trials.map((t, i) =>
          createStores(connections[i]!, prefix, 'acme').sweeps.trialEnded(sweep.id, t.jobId, {
            status: 'succeeded',
            metric: metricOf(i),
            epochs: 30,
          }),
        ),
      );
      expect(results.filter((r) => r !== 'missing' && r.allEnded)).toHaveLength(1);
      const view = (await sweeps.get(sweep.id))!;
      expect(view.counts).toMatchObject({ queued: 0, succeeded: n });
      expect(view.best!.metric).toBe(0);
      expect([trials[6]!.jobId, trials[7]!.jobId]).toContain(view.best!.jobId);
      expect(view.best!.params).toEqual(trials[view.best!.index]!.params);
      expect(view.trials.map((t) => t.metric)).toEqual(trials.map((_, i) => metricOf(i)));
    } finally {
      await Promise.all(connections.map((c) => c.quit()));
    }
  });

  it('lists sweeps newest first, by status, a page at a time', async () => {
    const { sweeps } = createStores(redis, prefix, 'lister');
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await sweeps.create(sweepOf(1)));
    await sweeps.finish(made[1]!.id, 'cancelled');
    await sweeps.finish(made[3]!.id, 'cancelled');
    const first = await sweeps.list({ limit: 2 });
    expect(first.sweeps.map((s) => s.id)).toEqual([made[4]!.id, made[3]!.id]);
    const second = await sweeps.list({ limit: 2, cursor: first.nextCursor! });
    expect(second.sweeps.map((s) => s.id)).toEqual([made[2]!.id, made[1]!.id]);
    const third = await sweeps.list({ limit: 2, cursor: second.nextCursor! });
    expect(third).toEqual({
      sweeps: [expect.objectContaining({ id: made[0]!.id })],
      nextCursor: null,
    });
    const cancelled = await sweeps.list({ limit: 10, status: 'cancelled' });
    expect(cancelled.sweeps.map((s) => [s.id, s.status])).toEqual([
      [made[3]!.id, 'cancelled'],
      [made[1]!.id, 'cancelled'],
    ]);
    expect((await sweeps.list({ limit: 10, status: 'running' })).sweeps).toHaveLength(3);
    expect(first.sweeps[0]).toEqual({
      id: made[4]!.id,
      status: 'running',
      createdAt: made[4]!.createdAt,
      objective: { metric: 'validationError', goal: 'minimize' },
      trialCount: 1,
      counts: { queued: 0, running: 0, succeeded: 0, failed: 0, pruned: 0, cancelled: 0 },
      best: null,
    });
  });

  it('deletes only an ended sweep, and then no key of it is left', async () => {
    const { sweeps, keys } = createStores(redis, prefix, 'deleter');
    const sweep = await sweeps.create(sweepOf(2));
    const trials = trialsOf(2);
    await sweeps.addTrials(sweep.id, trials);
    await sweeps.recordRung(sweep.id, 5, trials[0]!.jobId, 0.5);
    await sweeps.recordRung(sweep.id, 15, trials[0]!.jobId, 0.4);
    await sweeps.trialEnded(sweep.id, trials[0]!.jobId, { status: 'succeeded', metric: 0.4 });
    expect(await keysUnder(redis, keys.own)).toEqual(
      [
        keys.sweep(sweep.id),
        keys.sweepJobs(sweep.id),
        keys.sweepRung(sweep.id, 15),
        keys.sweepRungValues(sweep.id, 15),
        keys.sweepRung(sweep.id, 5),
        keys.sweepRungValues(sweep.id, 5),
        keys.sweepRungs(sweep.id),
        keys.sweepTrials(sweep.id),
        keys.sweeps,
        `${keys.sweepsByStatus}running`,
      ].sort(),
    );
    expect(await sweeps.delete(sweep.id)).toBe('running');
    expect(await sweeps.get(sweep.id)).not.toBeNull();
    await sweeps.finish(sweep.id, 'failed');
    expect(await sweeps.delete(sweep.id)).toBe('ok');
    expect(await keysUnder(redis, keys.own)).toEqual([]);
    expect(await sweeps.get(sweep.id)).toBeNull();
    expect(await sweeps.delete(sweep.id)).toBe('missing');
    expect((await sweeps.list({ limit: 10 })).sweeps).toEqual([]);
  });

  it('keeps tenants apart: another tenant neither sees nor changes a sweep', async () => {
    const acme = createStores(redis, prefix, 'acme-2');
    const other = createStores(redis, prefix, 'other');
    const sweep = await acme.sweeps.create(sweepOf(1));
    const [trial] = trialsOf(1);
    await acme.sweeps.addTrials(sweep.id, [trial!]);
    expect(await other.sweeps.get(sweep.id)).toBeNull();
    expect((await other.sweeps.list({ limit: 10 })).sweeps).toEqual([]);
    expect(await other.sweeps.addTrials(sweep.id, [trial!])).toBe('missing');
    expect(await other.sweeps.trialStarted(sweep.id, trial!.jobId)).toBe('missing');
    expect(await other.sweeps.recordRung(sweep.id, 5, trial!.jobId, 0.1)).toBe('missing');
    expect(
      await other.sweeps.trialEnded(sweep.id, trial!.jobId, { status: 'succeeded', metric: 0 }),
    ).toBe('missing');
    expect(await other.sweeps.finish(sweep.id, 'cancelled')).toBe('missing');
    expect(await other.sweeps.delete(sweep.id)).toBe('missing');
    expect(await keysUnder(redis, other.keys.own)).toEqual([]);
    const view = (await acme.sweeps.get(sweep.id))!;
    expect(view.status).toBe('running');
    expect(view.trials).toEqual([{ ...trial, status: 'queued', epochs: 0, metric: null }]);
    for (const key of await keysUnder(redis, acme.keys.own))
      expect(key.startsWith(`${acme.keys.own}:sweep`)).toBe(true);
  });
});
