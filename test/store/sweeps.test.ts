// The sweep store (issue 17) on the real Redis: a sweep made with all its trials pending, the
// window of trials that may start (at most `parallel`, lower indexes first), the counts, the
// best trial by the objective's goal (of equals the lower index), ASHA rungs recorded by index
// with the peers rungPeers reads (also from several connections at once), finishing (a cancel
// ending the pending trials and naming the open ones), the list, delete leaving no key, and
// tenants apart.
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/ids.js';
import { type SweepInput, sweepSchema } from '../../src/spec/index.js';
import { createStores, duplicateRedis, keysUnder } from '../../src/store/index.js';
import { scratchRedis } from '../helpers/store.js';

const { redis, prefix } = scratchRedis();

/** A grid sweep of `n` learning rates, `parallel` at once, its objective as given. */
const sweepOf = (n: number, objective?: SweepInput['objective'], parallel = 64) =>
  sweepSchema.parse({
    spec: {
      network: { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      dataset: { generator: 'sine' },
      training: { epochs: 30 },
    },
    parameters: { 'training.learningRate': { values: Array.from({ length: n }, (_, i) => i + 1) } },
    method: 'grid',
    parallel,
    ...(objective ? { objective } : {}),
  });

/** `n` trials, learning rate i + 1 (for trial 0 one of 17 digits: cjson would keep 14). */
const trialsOf = (n: number) =>
  Array.from({ length: n }, (_, index) => {
    const rate = index === 0 ? 0.12345678901234568 : index + 1;
    return {
      params: { 'training.learningRate': rate },
      spec: { ...sweepOf(1).spec, training: { epochs: 30, learningRate: rate } },
      jobId: newId(),
    };
  });

const none = {
  pending: 0,
  queued: 0,
  running: 0,
  succeeded: 0,
  failed: 0,
  pruned: 0,
  cancelled: 0,
};

async function made(n: number, objective?: SweepInput['objective'], parallel = 64) {
  const { sweeps, keys } = createStores(redis, prefix, 'acme');
  const trials = trialsOf(n);
  const sweep = await sweeps.create(sweepOf(n, objective, parallel), trials);
  const end = (
    i: number,
    status: 'succeeded' | 'failed' | 'pruned' | 'cancelled',
    metric?: number,
    modelId?: string,
  ) => sweeps.trialEnded(sweep.id, trials[i]!.jobId, { status, metric, epochs: 30, modelId });
  return { sweeps, keys, sweep, trials, end };
}

describe('sweep store', () => {
  it('creates a running sweep with every trial pending, params and specs exact', async () => {
    const { sweeps, sweep, trials } = await made(3);
    const view = await sweeps.get(sweep.id);
    expect(view).toMatchObject({
      id: sweep.id,
      status: 'running',
      createdAt: sweep.createdAt,
      objective: { metric: 'validationError', goal: 'minimize' },
      trialCount: 3,
      counts: { ...none, pending: 3 },
      best: null,
      request: sweepOf(3),
    });
    expect(view!.trials).toEqual(
      trials.map(({ spec: _, ...t }, index) => ({
        ...t,
        index,
        status: 'pending',
        epochs: 0,
        metric: null,
      })),
    );
    expect(view!.trials[0]!.params['training.learningRate']).toBe(0.12345678901234568);
    expect(await sweeps.trialSpec(sweep.id, 2)).toEqual(trials[2]!.spec);
    expect(await sweeps.trialSpec(sweep.id, 3)).toBeNull();
    expect(await sweeps.trialOf(sweep.id, trials[1]!.jobId)).toBe(1);
    expect(await sweeps.trialOf(sweep.id, newId())).toBeNull();
  });

  it('opens a window of `parallel` trials by index, moving on as trials end in any order', async () => {
    const { sweeps, sweep, trials, end } = await made(6, undefined, 2);
    const indexes = async () => (await sweeps.window(sweep.id)).map((t) => t.index);
    const first = await sweeps.window(sweep.id);
    expect(first).toEqual(
      [0, 1].map((i) => ({ index: i, jobId: trials[i]!.jobId, spec: trials[i]!.spec })),
    );
    expect(await sweeps.launched(sweep.id, 0)).toBe('ok');
    expect(await sweeps.launched(sweep.id, 0)).toBe('queued');
    expect(await indexes()).toEqual([1]); // 0 is queued: still holds its place
    expect(await sweeps.launched(sweep.id, 1)).toBe('ok');
    expect(await indexes()).toEqual([]);
    expect(await sweeps.trialStarted(sweep.id, trials[1]!.jobId)).toBe('ok');
    await end(1, 'pruned', 0.9);
    expect(await indexes()).toEqual([2]);
    await end(3, 'failed'); // ended before it started: 0 and 2 still hold the two places
    expect(await indexes()).toEqual([2]);
    await end(0, 'succeeded', 0.5);
    expect(await indexes()).toEqual([2, 4]);
    expect((await sweeps.get(sweep.id))!.counts).toEqual({
      ...none,
      pending: 3,
      succeeded: 1,
      failed: 1,
      pruned: 1,
    });
    expect(await sweeps.launched(sweep.id, 9)).toBe('missing');
    await sweeps.finish(sweep.id, 'failed');
    expect(await sweeps.window(sweep.id)).toEqual([]);
  });

  it('keeps the best succeeded trial when minimizing: of equals the lower index, pruned never best', async () => {
    const { sweeps, sweep, trials, end } = await made(6);
    const id = (i: number) => trials[i]!.jobId;
    for (const i of [0, 1, 2, 3, 4]) await sweeps.launched(sweep.id, i);
    for (const i of [0, 1, 2, 3, 4]) expect(await sweeps.trialStarted(sweep.id, id(i))).toBe('ok');
    expect(await sweeps.trialStarted(sweep.id, id(0))).toBe('running');
    expect(await end(0, 'succeeded', 0.5, 'm0')).toEqual({ allEnded: false });
    expect(await end(2, 'succeeded', 0.3, 'm2')).toEqual({ allEnded: false });
    expect(await end(1, 'succeeded', 0.3, 'm1')).toEqual({ allEnded: false }); // a tie: 1 < 2
    expect(await end(3, 'pruned', 0.01)).toEqual({ allEnded: false });
    expect(await end(4, 'failed', Number.NaN)).toEqual({ allEnded: false });
    let view = (await sweeps.get(sweep.id))!;
    expect(view.best).toEqual({
      index: 1,
      jobId: id(1),
      modelId: 'm1',
      metric: 0.3,
      params: trials[1]!.params,
    });
    expect(view.counts).toEqual({ ...none, pending: 1, succeeded: 3, failed: 1, pruned: 1 });
    expect(view.trials.map((t) => [t.status, t.metric, t.epochs])).toEqual([
      ['succeeded', 0.5, 30],
      ['succeeded', 0.3, 30],
      ['succeeded', 0.3, 30],
      ['pruned', 0.01, 30],
      ['failed', null, 30],
      ['pending', null, 0],
    ]);
    // ending a trial again changes nothing (a retried worker), not even a better metric
    expect(await end(2, 'succeeded', 0.1)).toEqual({ allEnded: false });
    expect((await sweeps.get(sweep.id))!.best!.jobId).toBe(id(1));
    // the last one, never started, cancelled: every trial has ended
    expect(await end(5, 'cancelled')).toEqual({ allEnded: true });
    expect(await sweeps.trialEnded(sweep.id, newId(), { status: 'failed' })).toBe('missing');
    const model = { id: 'reg', name: 'penguins', version: 3, alias: 'best' };
    expect(await sweeps.finish(sweep.id, 'succeeded', { model })).toEqual({ open: [] });
    expect(await sweeps.finish(sweep.id, 'failed')).toBe('succeeded');
    view = (await sweeps.get(sweep.id))!;
    expect(view.status).toBe('succeeded');
    expect(view.model).toEqual(model);
    expect(Date.parse(view.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(view.createdAt));
  });

  it('keeps the highest accuracy when maximizing, of equals the lower index', async () => {
    const { sweeps, sweep, trials, end } = await made(4, { metric: 'validationAccuracy' });
    expect(sweep.objective).toEqual({ metric: 'validationAccuracy', goal: 'maximize' });
    for (const [i, metric] of [
      [0, 0.8],
      [3, 0.9],
      [2, 0.7],
      [1, 0.9],
    ] as const)
      await end(i, 'succeeded', metric);
    const view = (await sweeps.get(sweep.id))!;
    expect(view.best).toMatchObject({ index: 1, jobId: trials[1]!.jobId, metric: 0.9 });
    expect(view.counts.succeeded).toBe(4);
  });

  it('records a rung by index and reads the lower trials there, waiting for those on their way', async () => {
    const { sweeps, sweep, keys, end } = await made(5);
    expect(await sweeps.recordRung(sweep.id, 5, 0, 0.5)).toEqual([]);
    expect(await sweeps.recordRung(sweep.id, 5, 2, Number.NaN)).toBe('wait'); // 1 on its way
    expect(await sweeps.recordRung(sweep.id, 5, 1, 0.25)).toEqual([0.5]);
    expect(await sweeps.recordRung(sweep.id, 5, 2, 9)).toEqual([0.5, 0.25]); // NaN kept
    await end(3, 'failed'); // ended before the rung: not among 4's peers
    expect(await sweeps.recordRung(sweep.id, 5, 4, 1e-7)).toEqual([0.5, 0.25, Number.NaN]);
    // a resumed try records again: the first value stays, the same answer
    expect(await sweeps.recordRung(sweep.id, 5, 1, 7)).toEqual([0.5]);
    expect(await redis.hgetall(keys.sweepRung(sweep.id, 5))).toEqual({
      0: '0.5',
      1: '0.25',
      2: 'NaN',
      4: '1e-7',
    });
    // another rung is its own
    expect(await sweeps.recordRung(sweep.id, 15, 1, 0.2)).toBe('wait');
    const view = (await sweeps.get(sweep.id))!;
    expect(view.trials.map((t) => t.epochs)).toEqual([5, 15, 5, 30, 5]);
    expect(await sweeps.recordRung(sweep.id, 5, 9, 1)).toBe('missing');
    expect(await sweeps.recordRung('01JNOSUCHSWEEP000000000000', 5, 0, 1)).toBe('missing');
  });

  it('records a rung from many connections at once: every trial gets exactly its lower peers', async () => {
    const { sweep } = await made(16);
    const connections = Array.from({ length: 16 }, () => duplicateRedis(redis));
    try {
      const record = (i: number) =>
        createStores(connections[i]!, prefix, 'acme').sweeps.recordRung(sweep.id, 5, i, i / 10);
      await Promise.all(connections.map((_, i) => record(i)));
      // once all have recorded, each reads the same peers whatever the order was
      const again = await Promise.all(connections.map((_, i) => record(15 - i)));
      expect(again.reverse()).toEqual(
        Array.from({ length: 16 }, (_, k) => Array.from({ length: k }, (_, j) => j / 10)),
      );
    } finally {
      await Promise.all(connections.map((c) => c.quit()));
    }
  });

  it('ends trials from many connections at once: one of them is told every trial has ended', async () => {
    const { sweeps, sweep, trials } = await made(12);
    const connections = trials.map(() => duplicateRedis(redis));
    // metrics 0.6, 0.5, …: trials 6 and 7 share the lowest, 0 (6, the lower, is best)
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
      expect(view.counts).toMatchObject({ pending: 0, succeeded: 12 });
      expect(view.best).toMatchObject({ index: 6, metric: 0, params: trials[6]!.params });
      expect(view.trials.map((t) => t.metric)).toEqual(trials.map((_, i) => metricOf(i)));
    } finally {
      await Promise.all(connections.map((c) => c.quit()));
    }
  });

  it('cancels: the pending trials end with it, the open ones are named, rungs go', async () => {
    const { sweeps, sweep, trials, keys } = await made(5, undefined, 2);
    await sweeps.launched(sweep.id, 0);
    await sweeps.launched(sweep.id, 1);
    await sweeps.trialStarted(sweep.id, trials[0]!.jobId);
    await sweeps.recordRung(sweep.id, 5, 0, 0.5);
    expect(await sweeps.finish(sweep.id, 'cancelled')).toEqual({
      open: [trials[0]!.jobId, trials[1]!.jobId],
    });
    const view = (await sweeps.get(sweep.id))!;
    expect(view.counts).toEqual({ ...none, running: 1, queued: 1, cancelled: 3 });
    expect(await redis.exists(keys.sweepRung(sweep.id, 5), keys.sweepRungs(sweep.id))).toBe(0);
    // a trial still running hears no peers at a rung, and records nothing
    expect(await sweeps.recordRung(sweep.id, 15, 1, 0.1)).toEqual([]);
    expect(await redis.exists(keys.sweepRungs(sweep.id))).toBe(0);
    expect(await sweeps.finish(sweep.id, 'cancelled')).toBe('cancelled');
  });

  it('lists sweeps newest first, by status, a page at a time', async () => {
    const { sweeps } = createStores(redis, prefix, 'lister');
    const all = [];
    for (let i = 0; i < 5; i++) all.push(await sweeps.create(sweepOf(1), trialsOf(1)));
    await sweeps.finish(all[1]!.id, 'cancelled');
    await sweeps.finish(all[3]!.id, 'cancelled');
    const first = await sweeps.list({ limit: 2 });
    expect(first.sweeps.map((s) => s.id)).toEqual([all[4]!.id, all[3]!.id]);
    const second = await sweeps.list({ limit: 2, cursor: first.nextCursor! });
    expect(second.sweeps.map((s) => s.id)).toEqual([all[2]!.id, all[1]!.id]);
    const third = await sweeps.list({ limit: 2, cursor: second.nextCursor! });
    expect(third).toEqual({
      sweeps: [expect.objectContaining({ id: all[0]!.id })],
      nextCursor: null,
    });
    const cancelled = await sweeps.list({ limit: 10, status: 'cancelled' });
    expect(cancelled.sweeps.map((s) => [s.id, s.status])).toEqual([
      [all[3]!.id, 'cancelled'],
      [all[1]!.id, 'cancelled'],
    ]);
    expect((await sweeps.list({ limit: 10, status: 'running' })).sweeps).toHaveLength(3);
    expect(first.sweeps[0]).toEqual({
      id: all[4]!.id,
      status: 'running',
      createdAt: all[4]!.createdAt,
      objective: { metric: 'validationError', goal: 'minimize' },
      trialCount: 1,
      counts: { ...none, pending: 1 },
      best: null,
    });
  });

  it('deletes only an ended sweep, and then no key of it is left', async () => {
    const { sweeps, keys } = createStores(redis, prefix, 'deleter');
    const trials = trialsOf(2);
    const sweep = await sweeps.create(sweepOf(2), trials);
    await sweeps.recordRung(sweep.id, 5, 0, 0.5);
    await sweeps.recordRung(sweep.id, 15, 0, 0.4);
    await sweeps.trialEnded(sweep.id, trials[0]!.jobId, { status: 'succeeded', metric: 0.4 });
    expect(await keysUnder(redis, keys.own)).toEqual(
      [
        keys.sweep(sweep.id),
        keys.sweepJobs(sweep.id),
        keys.sweepRung(sweep.id, 15),
        keys.sweepRung(sweep.id, 5),
        keys.sweepRungs(sweep.id),
        keys.sweepTrials(sweep.id),
        keys.sweeps,
        `${keys.sweepsByStatus}running`,
      ].sort(),
    );
    expect(await sweeps.delete(sweep.id)).toBe('running');
    expect(await sweeps.get(sweep.id)).not.toBeNull();
    await sweeps.finish(sweep.id, 'failed', { error: 'every trial failed' });
    expect((await sweeps.get(sweep.id))!.error).toBe('every trial failed');
    expect(await sweeps.delete(sweep.id)).toBe('ok');
    expect(await keysUnder(redis, keys.own)).toEqual([]);
    expect(await sweeps.get(sweep.id)).toBeNull();
    expect(await sweeps.delete(sweep.id)).toBe('missing');
    expect((await sweeps.list({ limit: 10 })).sweeps).toEqual([]);
  });

  it('keeps tenants apart: another tenant neither sees nor changes a sweep', async () => {
    const acme = createStores(redis, prefix, 'acme-2');
    const other = createStores(redis, prefix, 'other');
    const [trial] = trialsOf(1);
    const sweep = await acme.sweeps.create(sweepOf(1), [trial!]);
    expect(await other.sweeps.get(sweep.id)).toBeNull();
    expect((await other.sweeps.list({ limit: 10 })).sweeps).toEqual([]);
    expect(await other.sweeps.window(sweep.id)).toEqual([]);
    expect(await other.sweeps.launched(sweep.id, 0)).toBe('missing');
    expect(await other.sweeps.trialStarted(sweep.id, trial!.jobId)).toBe('missing');
    expect(await other.sweeps.recordRung(sweep.id, 5, 0, 0.1)).toBe('missing');
    expect(
      await other.sweeps.trialEnded(sweep.id, trial!.jobId, { status: 'succeeded', metric: 0 }),
    ).toBe('missing');
    expect(await other.sweeps.finish(sweep.id, 'cancelled')).toBe('missing');
    expect(await other.sweeps.delete(sweep.id)).toBe('missing');
    expect(await keysUnder(redis, other.keys.own)).toEqual([]);
    const view = (await acme.sweeps.get(sweep.id))!;
    expect(view.status).toBe('running');
    expect(view.trials).toEqual([
      {
        index: 0,
        jobId: trial!.jobId,
        params: trial!.params,
        status: 'pending',
        epochs: 0,
        metric: null,
      },
    ]);
    for (const key of await keysUnder(redis, acme.keys.own))
      expect(key.startsWith(`${acme.keys.own}:sweep`)).toBe(true);
  });
});
