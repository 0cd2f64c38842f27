// `backprop sweep --server URL [--follow]` and `backprop sweeps list|show|cancel` (issue 17), run
// as the built command against the real service (the API, a worker process, Redis, an API key):
// a sweep followed to its end prints a line per trial that ends and per new best, the final
// leaderboard and the best with its model, all as GET /v1/sweeps/:id has them; a refused sweep
// exits 2 with one line naming the field; a sweep cancelled while followed ends the follow with
// exit 1, as `submit --follow` ends on a cancelled job.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { scratchFolder } from '../helpers/cli.js';
import { http, secondsLongJob, startService, type TestService } from '../helpers/service.js';
import { irisSweep as irisSweepOf } from '../helpers/sweeps.js';

const main = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const scratch = scratchFolder('backprop-cli-sweeps');
const { write } = scratch;
const alice = newApiKey('alice');
const as = { authorization: `Bearer ${alice.key}` };
const idLine = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const long = 180_000;

let service: TestService;
beforeAll(async () => {
  service = await startService({ workers: 1, env: { API_KEYS: alice.entry } });
});
afterAll(async () => {
  await service?.stop();
  scratch.remove();
});

interface Running {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
}

// Asynchronously: the API under test runs in this process, so spawnSync would block it.
function start(args: string[]): Running {
  const env: NodeJS.ProcessEnv = { ...process.env, BACKPROP_API_KEY: alice.key };
  delete env.BACKPROP_SERVER;
  const child = spawn(process.execPath, [main, ...args], { env, stdio: 'pipe' });
  const running: Running = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.on('close', (code) => resolve(code))),
  };
  child.stdout!.on('data', (chunk: Buffer) => (running.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (running.stderr += chunk.toString()));
  child.stdin!.end();
  return running;
}

async function run(args: string[]) {
  const r = start(args);
  const status = await r.exited;
  return { status, stdout: r.stdout, stderr: r.stderr };
}

const onServer = () => ['--server', service.url];
const getSweep = async (id: string) =>
  (await http(service, 'GET', `/v1/sweeps/${id}`, undefined, as)).body;

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const irisSweep = irisSweepOf({ model: { name: 'iris-sweep-cli', alias: 'best' } });

// a trial's parameters as the command prints them: in the sweep's order, numbers to 4 digits
const paramsText = (params: Record<string, number | string>) =>
  Object.entries(params)
    .map(([path, v]) => `${path}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`)
    .join(', ');

const slowSweep = {
  spec: secondsLongJob(3, { epochs: 200, validationSplit: 0.2 }),
  parameters: { 'training.learningRate': { values: [0.001, 0.0005, 0.0002] } },
  method: 'grid',
  parallel: 1,
};

describe('backprop sweep --server', () => {
  it('--follow prints a line per trial ended and per new best, the final leaderboard and the best; exit 0', {
    timeout: long,
  }, async () => {
    const r = await run(['sweep', write('iris-sweep.json', irisSweep), ...onServer(), '--follow']);
    expect(r.status, r.stderr).toBe(0);
    const [id, model, ...rest] = r.stdout.trim().split('\n');
    expect(id).toMatch(idLine);
    expect(model).toBe('iris-sweep-cli@1');
    expect(rest).toEqual([]);
    const done = await getSweep(id!);
    expect(done.status).toBe('succeeded');
    expect(done.model).toMatchObject({ name: 'iris-sweep-cli', version: 1, alias: 'best' });
    const lines = r.stderr.trim().split('\n');

    // a line for each trial as it ended, once each, with its status, epochs and metric
    const ended = lines.filter((l) => /^trial \d+ /.test(l));
    expect(ended).toHaveLength(done.trialCount);
    for (const t of done.trials) {
      const line = ended.find((l) => l.startsWith(`trial ${t.index} `));
      expect(line).toBe(
        `trial ${t.index} ${t.status} at epoch ${t.epochs}: validationError ${t.metric.toFixed(6)} (${paramsText(t.params)})`,
      );
    }
    // new bests: each better than the one before, the last the sweep's best
    const bests = lines
      .filter((l) => l.startsWith('new best: '))
      .map((l) => /validationError (\S+)/.exec(l)![1]!)
      .map(Number);
    expect(bests.length).toBeGreaterThanOrEqual(1);
    // (of equals the lower index: a tie may name a new trial with the same metric)
    expect(bests.every((m, i) => i === 0 || m <= bests[i - 1]!)).toBe(true);
    expect(bests.at(-1)).toBe(Number(done.best.metric.toFixed(6)));

    // the final leaderboard: a header, then every trial, succeeded ones ranked by the metric
    const header = lines.findIndex((l) => l.startsWith('RANK'));
    const paths = Object.keys(done.trials[0].params);
    expect(paths.sort()).toEqual(Object.keys(irisSweep.parameters).sort());
    expect(lines[header]!.split(/\s+/)).toEqual([
      'RANK',
      'TRIAL',
      ...Object.keys(done.trials[0].params),
      'STATUS',
      'validationError',
      'EPOCHS',
    ]);
    const board = lines.slice(header + 1, header + 1 + done.trialCount).map((l) => l.split(/\s+/));
    const byIndex = new Map(done.trials.map((t: any) => [t.index, t]));
    for (const [rank, index, , , status, metric, epochs] of board) {
      const t: any = byIndex.get(Number(index));
      expect([status, Number(metric), Number(epochs)]).toEqual([
        t.status,
        Number(t.metric.toFixed(6)),
        t.epochs,
      ]);
      if (status !== 'succeeded') expect(rank).toBe('-');
    }
    const succeeded = done.trials
      .filter((t: any) => t.status === 'succeeded')
      .sort((a: any, b: any) => a.metric - b.metric || a.index - b.index);
    expect(board.slice(0, succeeded.length).map((row) => [row[0], Number(row[1])])).toEqual(
      succeeded.map((t: any, i: number) => [String(i + 1), t.index]),
    );

    // the end: the outcome, the best and its model
    const tail = lines.slice(header + 1 + done.trialCount);
    expect(tail[0]).toMatch(new RegExp(`^sweep ${id} succeeded: `));
    expect(tail[1]).toBe(
      `best: trial ${done.best.index}, validationError ${done.best.metric.toFixed(6)} (${paramsText(done.best.params)})`,
    );
    expect(tail[2]).toBe('model: iris-sweep-cli@1 (alias best)');

    // listed and shown
    const list = await run(['sweeps', 'list', ...onServer()]);
    expect(list.status).toBe(0);
    const row = list.stdout.split('\n').find((l) => l.startsWith(id!))!;
    expect(row.split(/\s+/).slice(0, 3)).toEqual([
      id,
      'succeeded',
      `${done.trialCount}/${done.trialCount}`,
    ]);
    expect(row).toContain('iris-sweep-cli@1');
    const show = await run(['sweeps', 'show', id!, ...onServer(), '--json']);
    expect(JSON.parse(show.stdout)).toEqual(done);
    // its trials' jobs, and no other
    const jobs = await run(['jobs', '--sweep', id!, '--limit', '100', ...onServer()]);
    expect(jobs.status).toBe(0);
    const listed = jobs.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[0]);
    expect(listed.sort()).toEqual(done.trials.map((t: any) => t.jobId).sort());
  });

  it('prints the id of a sweep the server runs; cancel stops it, and the follow exits 1', {
    timeout: long,
  }, async () => {
    const submitted = await run(['sweep', write('slow.json', slowSweep), ...onServer()]);
    expect(submitted.status, submitted.stderr).toBe(0);
    const id = submitted.stdout.trim();
    expect(id).toMatch(idLine);
    expect((await getSweep(id)).trialCount).toBe(3);

    // another, followed: cancelled while it runs
    const followed = start(['sweep', write('slow-2.json', slowSweep), ...onServer(), '--follow']);
    await until(() => idLine.test(followed.stdout.trim().split('\n')[0] ?? ''), 'its id');
    const followedId = followed.stdout.trim().split('\n')[0]!;
    await until(
      async () => (await getSweep(followedId)).trials.some((t: any) => t.epochs >= 2),
      'a trial running',
    );
    for (const sweepId of [id, followedId]) {
      const cancelled = await run(['sweeps', 'cancel', sweepId, ...onServer()]);
      expect(cancelled.status, cancelled.stderr).toBe(0);
      expect(cancelled.stdout.trim()).toBe(`sweep ${sweepId} cancelled`);
      expect((await getSweep(sweepId)).status).toBe('cancelled');
    }
    expect(await followed.exited).toBe(1);
    expect(followed.stderr).toMatch(new RegExp(`^sweep ${followedId} cancelled: `, 'm'));
    const final = await getSweep(followedId);
    expect(followed.stderr).toContain(
      final.best
        ? `best: trial ${final.best.index}, validationError ${final.best.metric.toFixed(6)}`
        : 'no trial succeeded: no best',
    );
    expect(followed.stdout.trim().split('\n')).toEqual(
      final.best ? [followedId, final.best.modelId] : [followedId],
    );
    // a second cancel: the sweep has ended (409), one line, exit 2
    const again = await run(['sweeps', 'cancel', id, ...onServer()]);
    expect(again.status).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(/^backprop: /);
  });

  it('a refused sweep exits 2 with one line naming the field; no --server is a local sweep', async () => {
    const wrong = { ...irisSweep, parameters: { 'training.learningRat': { values: [0.1] } } };
    const r = await run(['sweep', write('wrong.json', wrong), ...onServer()]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^backprop: parameters\.training\.learningRat: .*names no field/);
    // without --server on the command line it runs here, never on the server
    const file = write('iris-sweep.json', irisSweep);
    const local = await run(['sweep', file, '--json', '--quiet', '--out', `${file}.best.json`]);
    expect(local.status, local.stderr).toBe(0);
    expect(JSON.parse(local.stdout)).toMatchObject({ status: 'succeeded', trialCount: 6 });
    const follow = await run(['sweep', file, '--follow']);
    expect(follow.status).toBe(2);
    expect(follow.stderr.trim()).toBe(
      'backprop: --follow follows a sweep on a server: give --server URL',
    );
    const { body } = await http(service, 'GET', '/v1/sweeps?status=running', undefined, as);
    expect(body.sweeps).toEqual([]);
  });
});
