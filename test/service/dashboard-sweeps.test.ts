// The dashboard's sweep pages in a real browser (Debian's Chromium driven by playwright-core)
// over a real sweep (issue 17): a random search with ASHA on iris, opened before any worker
// runs it, then watched live to its end. The leaderboard shows every trial with the status,
// metric and epochs GET /v1/sweeps/:id answers, in rank order; the curves hold one series per
// trial with one point per epoch it trained (the pruned ones marked); each parameter has its
// scatter with a point per trial (the learning rate on a log axis); the best links to the model
// registered from it; a trial's job page links back; the list shows the sweep. A second sweep is
// cancelled from its page. Real API, worker process and Redis; no CSP violation allowed.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { packageRoot } from '../../src/paths.js';
import { launchChromium, openProbedPage } from '../helpers/browser.js';
import { http, secondsLongJob, startService, type TestService } from '../helpers/service.js';
import { irisSweep as irisSweepOf } from '../helpers/sweeps.js';

const alice = newApiKey('alice');
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const artifacts = join(packageRoot(), '.ci', 'artifacts');
const long = 180_000;

let service: TestService;
let browser: Browser;

beforeAll(async () => {
  // no worker yet: the first test starts one once the page is watching
  service = await startService({ env: { API_KEYS: alice.entry, WORKER_CONCURRENCY: '2' } });
  browser = await launchChromium();
  await mkdir(artifacts, { recursive: true });
}, long);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

const irisSweep = irisSweepOf({ model: { name: 'iris-sweep-ui', alias: 'best' } });

async function signIn(page: Page, hash: string) {
  await page.goto(`${service.url}/${hash}`);
  await page.getByTestId('key-input').fill(alice.key);
  await page.getByTestId('key-submit').click();
}

const attribute = (page: Page, testid: string, name: string) =>
  page.getByTestId(testid).getAttribute(name).then(Number);

describe('the sweep pages in a browser', () => {
  it('show a sweep live to its end: leaderboard, curves, scatters, best, list', {
    timeout: long,
  }, async () => {
    const submitted = await http(service, 'POST', '/v1/sweeps', irisSweep, as(alice.key));
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const id: string = submitted.body.id;
    const { page, troubles } = await openProbedPage(browser, { width: 1280, height: 900 });
    await signIn(page, `#/sweeps/${id}`);

    // before any worker: running, every trial pending, the sweep's stream open
    await page.locator('[data-testid=sweep-status]', { hasText: 'running' }).waitFor();
    await page.locator('html[data-streams-opened]').waitFor({ state: 'attached', timeout: long });
    expect(await page.getByTestId('trial-row').count()).toBe(6);
    const pending = await page
      .getByTestId('trial-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
    expect(pending).toEqual(Array(6).fill('pending'));
    expect(await page.getByTestId('cancel-sweep').isVisible()).toBe(true);
    expect(await page.getByTestId('no-best').textContent()).toContain('No trial has succeeded yet');

    await service.startWorker();
    await page.locator('[data-testid=sweep-status]', { hasText: 'succeeded' }).waitFor({
      timeout: long,
    });
    const { body: done } = await http(service, 'GET', `/v1/sweeps/${id}`, undefined, as(alice.key));
    expect(done.status).toBe('succeeded');
    expect(await page.getByTestId('cancel-sweep').isHidden()).toBe(true);

    // the leaderboard: every trial as the API has it, succeeded ones ranked by the metric
    const rows = await page.getByTestId('trial-row').evaluateAll((trs) =>
      trs.map((tr) => {
        const d = (name: string) => tr.getAttribute(`data-${name}`);
        const rank = tr.querySelector('[data-testid=trial-rank]')!.textContent;
        return {
          index: Number(d('index')),
          status: d('status'),
          metric: d('metric'),
          epochs: d('epochs'),
          rank,
        };
      }),
    );
    expect(rows).toHaveLength(done.trials.length);
    const byIndex = [...rows].sort((a, b) => a.index - b.index);
    expect(byIndex.map((r) => [r.index, r.status, Number(r.metric), Number(r.epochs)])).toEqual(
      done.trials.map((t: any) => [t.index, t.status, t.metric, t.epochs]),
    );
    const succeeded = done.trials
      .filter((t: any) => t.status === 'succeeded')
      .sort((a: any, b: any) => a.metric - b.metric || a.index - b.index);
    expect(rows.slice(0, succeeded.length).map((r) => [r.index, r.rank])).toEqual(
      succeeded.map((t: any, i: number) => [t.index, String(i + 1)]),
    );
    expect(rows[0]!.index).toBe(done.best.index);
    const prunedCount = done.counts.pruned;

    // the curves: a series per trial, a point per epoch each trained, the pruned ones marked
    const epochsInAll = done.trials.reduce((n: number, t: any) => n + t.epochs, 0);
    await page
      .locator(`[data-testid=trial-curves][data-points="${epochsInAll}"]`)
      .waitFor({ timeout: long });
    expect(await attribute(page, 'trial-curves', 'data-series')).toBe(done.trials.length);
    expect(await attribute(page, 'trial-curves', 'data-pruned')).toBe(prunedCount);
    expect(await page.locator('[data-testid=trial-curves] canvas').count()).toBe(1);

    // a scatter per parameter, a point per trial; the learning rate's on a log axis when it spans
    const plots = page.getByTestId('param-plot');
    expect(await plots.count()).toBe(2);
    for (const path of Object.keys(irisSweep.parameters)) {
      const plot = page.locator(`[data-testid=param-plot][data-path="${path}"]`);
      expect(Number(await plot.getAttribute('data-points'))).toBe(done.trials.length);
      expect(await plot.locator('canvas').count()).toBe(1);
    }
    const rates = done.trials.map((t: any) => t.params['training.learningRate']);
    const spans = Math.max(...rates) / Math.min(...rates) > 100;
    expect(
      await page
        .locator('[data-testid=param-plot][data-path="training.learningRate"]')
        .getAttribute('data-scale'),
    ).toBe(spans ? 'log' : 'linear');
    expect(
      await page
        .locator('[data-testid=param-plot][data-path="network.layers.0.units"]')
        .getAttribute('data-scale'),
    ).toBe('linear');

    // the best, and the model registered from it
    expect(done.model).toMatchObject({ name: 'iris-sweep-ui', version: 1, alias: 'best' });
    const best = page.getByTestId('sweep-best');
    expect(await best.locator('[data-best=trial]').textContent()).toBe(String(done.best.index));
    const modelLink = page.getByTestId('best-model-link');
    expect(await modelLink.getAttribute('href')).toBe('#/models/iris-sweep-ui@best');
    expect(await modelLink.textContent()).toBe('iris-sweep-ui@1 (best)');
    await page.screenshot({ path: join(artifacts, 'dashboard-sweep.png'), fullPage: true });
    await modelLink.click();
    await page
      .locator('[data-testid=model-id]', { hasText: done.model.id })
      .waitFor({ timeout: long });

    // a trial's job page links back to its sweep; a pruned one says it was pruned
    await page.goto(`${service.url}/#/sweeps/${id}`);
    const pruned = done.trials.find((t: any) => t.status === 'pruned') ?? done.trials[0];
    await page
      .locator(`[data-testid=trial-row][data-index="${pruned.index}"] [data-testid=trial-job-link]`)
      .click();
    await page.waitForURL(new RegExp(`#/jobs/${pruned.jobId}$`));
    const back = page.getByTestId('sweep-link');
    await back.waitFor();
    expect(await back.getAttribute('href')).toBe(`#/sweeps/${id}`);
    await page.locator('[data-testid=job-status]', { hasText: pruned.status }).waitFor();
    if (pruned.status === 'pruned') await page.getByTestId('job-pruned').waitFor();

    // the list shows it, newest first, with its best metric and model
    await page.getByTestId('nav-sweeps').click();
    const listed = page.locator(`[data-testid=sweep-row][data-sweep-id="${id}"]`);
    await listed.waitFor();
    expect(await listed.getAttribute('data-status')).toBe('succeeded');
    expect(await listed.getByTestId('sweep-best-metric').textContent()).toContain(
      `(trial ${done.best.index})`,
    );
    expect(await listed.getByTestId('sweep-counts').textContent()).toMatch(/^6: /);
    expect(await page.getByTestId('sweep-row').first().getAttribute('data-sweep-id')).toBe(id);

    expect(await troubles()).toEqual([]);
    await page.close();
  });

  it('cancels a running sweep from its page', { timeout: long }, async () => {
    const slow = {
      spec: secondsLongJob(3, { epochs: 200, validationSplit: 0.2 }),
      parameters: { 'training.learningRate': { values: [0.001, 0.0005, 0.0002, 0.0001] } },
      method: 'grid',
      parallel: 1,
    };
    const submitted = await http(service, 'POST', '/v1/sweeps', slow, as(alice.key));
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    const id: string = submitted.body.id;
    const { page, troubles } = await openProbedPage(browser, { width: 1280, height: 900 });
    await signIn(page, `#/sweeps/${id}`);
    // a trial running and its curve growing, then Cancel
    await page.locator('[data-testid=trial-row][data-status=running]').waitFor({ timeout: long });
    await page.locator('[data-testid=trial-curves][data-series="1"]').waitFor({ timeout: long });
    await page.getByTestId('cancel-sweep').click();
    await page.locator('[data-testid=sweep-status]', { hasText: 'cancelled' }).waitFor();
    expect(await page.getByTestId('cancel-sweep').isHidden()).toBe(true);
    const { body } = await http(service, 'GET', `/v1/sweeps/${id}`, undefined, as(alice.key));
    expect(body.status).toBe('cancelled');
    expect(body.counts.pending + body.counts.queued).toBe(0);
    expect(await troubles()).toEqual([]);
    await page.close();
  });
});
