// The dashboard: its files are served without a key while the API behind them still needs one,
// and in a real browser (Debian's Chromium driven by playwright-core) a user enters the key, sees
// a spec error inline with its field's path, submits a job, watches its error curve grow as the
// epochs stream in, and predicts with the model, all under the dashboard's Content-Security-Policy
// with no violation reported. Real API, worker process and Redis. The test waits on what the page
// does, never on time: the worker starts once the page listens to the job's events.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { packageRoot } from '../../src/paths.js';
import { launchChromium, openProbedPage } from '../helpers/browser.js';
import { http, secondsLongJob, startService, type TestService } from '../helpers/service.js';

const alice = newApiKey('alice');
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const artifacts = join(packageRoot(), '.ci', 'artifacts');
const epochs = 30;
const long = 60_000;

let service: TestService;
let browser: Browser;

beforeAll(async () => {
  // no worker yet: the job test starts one when the page is ready to watch
  service = await startService({ env: { API_KEYS: alice.entry } });
  browser = await launchChromium();
  await mkdir(artifacts, { recursive: true });
}, long);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

describe('the dashboard files', () => {
  it('are served without a key, with their content types', async () => {
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/index.html', 'text/html'],
      ['/app.js', 'javascript'],
      ['/job-page.js', 'javascript'],
      ['/model-page.js', 'javascript'],
      ['/models-page.js', 'javascript'],
      ['/name-page.js', 'javascript'],
      ['/registry.js', 'javascript'],
      ['/style.css', 'text/css'],
      ['/assets/uplot/uPlot.iife.min.js', 'javascript'],
      ['/assets/uplot/uPlot.min.css', 'text/css'],
    ] as const) {
      const response = await fetch(service.url + path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toContain(type);
      expect((await response.text()).length, path).toBeGreaterThan(100);
    }
    const page = await (await fetch(`${service.url}/`)).text();
    expect(page).toContain('<script src="/assets/uplot/uPlot.iife.min.js"');
    const served = await (await fetch(`${service.url}/assets/uplot/uPlot.iife.min.js`)).text();
    const file = join(packageRoot(), 'node_modules', 'uplot', 'dist', 'uPlot.iife.min.js');
    expect(served).toBe(await readFile(file, 'utf8'));
  });

  it('open no catch-all: the API, unknown paths and the rest of node_modules still need a key', async () => {
    for (const path of [
      '/v1/jobs',
      '/v1/datasets/x',
      '/nope.js',
      '/assets/uplot/uPlot.d.ts',
      '/dashboard/app.js',
      '/%2e%2e/package.json',
    ]) {
      const response = await fetch(service.url + path);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate'), path).toMatch(/^Bearer/);
    }
    expect((await http(service, 'GET', '/v1/jobs', undefined, as(alice.key))).status).toBe(200);
    expect((await http(service, 'GET', '/nope.js', undefined, as(alice.key))).status).toBe(404);
  });
});

describe('the dashboard in a browser', () => {
  const points = (page: Page) =>
    page.getByTestId('error-chart').getAttribute('data-points').then(Number);
  // Waits go through locators: page.waitForFunction polls with eval in the page, which the
  // dashboard's policy refuses (script-src without 'unsafe-eval'), as it should.
  const chartWith = (page: Page, n: number) =>
    page.locator(`[data-testid=error-chart][data-points="${n}"]`).waitFor({ timeout: long });
  // evaluated through the DevTools protocol, which the page's policy does not govern
  const storedKey = (page: Page) => page.evaluate("localStorage.getItem('backprop.apiKey')");

  it('asks for the key, and asks again when the service refuses it', async () => {
    const { page, troubles } = await openProbedPage(browser);
    await page.goto(`${service.url}/`);
    await page.getByTestId('key-section').waitFor();
    expect(await page.getByTestId('key-message').textContent()).toContain('needs an API key');
    await page.getByTestId('key-input').fill(`${alice.key}x`);
    await page.getByTestId('key-submit').click();
    await page.getByText('refused this key').waitFor();
    expect(await storedKey(page)).toBe(`${alice.key}x`);
    await page.getByTestId('key-input').fill(alice.key);
    await page.getByTestId('key-submit').click();
    await page.getByTestId('job-list').waitFor();
    expect(await page.getByTestId('key-section').isHidden()).toBe(true);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('key-section').waitFor();
    expect(await storedKey(page)).toBeNull();
    expect(await troubles()).toEqual([]);
    await page.close();
  });

  it('submits a job, shows a spec error inline, draws the curve live and predicts', async () => {
    const { page, probe, troubles } = await openProbedPage(browser, { width: 1280, height: 900 });
    await page.goto(`${service.url}/#/new`);
    await page.getByTestId('key-input').fill(alice.key);
    await page.getByTestId('key-submit').click();

    // the new-job page suggests a spec for the chosen data
    await page.getByTestId('dataset-digits').check();
    const suggested = JSON.parse(await page.getByTestId('spec-editor').inputValue());
    expect(suggested.dataset).toEqual({ builtin: 'digits', subset: 'train' });
    expect(suggested.network.inputSize).toBe(64);

    // a mistake is listed under the editor, naming the field
    const spec = secondsLongJob(11, { epochs });
    const wrong = structuredClone(spec);
    wrong.network.layers[2]!.units = 3;
    await page.getByTestId('spec-editor').fill(JSON.stringify(wrong, null, 2));
    await page.getByTestId('submit-job').click();
    const issue = page.getByTestId('spec-error').first();
    await issue.waitFor();
    expect(await issue.getAttribute('data-path')).toBe('network.layers.2.units');
    expect(await issue.textContent()).toMatch(/^network\.layers\.2\.units .*10/);
    expect(page.url()).toMatch(/#\/new$/);

    // fixed: the job page opens, queued (no worker yet), and listens to the job's events
    await page.getByTestId('spec-editor').fill(JSON.stringify(spec, null, 2));
    await page.getByTestId('submit-job').click();
    await page.waitForURL(/#\/jobs\/[\w-]+$/);
    const jobId = page.url().split('/').pop()!;
    await page.locator('[data-testid=job-status]', { hasText: 'queued' }).waitFor();
    await page.locator('html[data-streams-opened]').waitFor({ state: 'attached', timeout: long });
    expect(await points(page)).toBe(0);

    // a worker trains it, and the curve is drawn while the epochs stream in
    await service.startWorker();
    await page.locator('[data-testid=job-status]', { hasText: 'succeeded' }).waitFor({
      timeout: long,
    });
    const job = (await http(service, 'GET', `/v1/jobs/${jobId}`, undefined, as(alice.key))).body;
    expect(job.status).toBe('succeeded');
    expect(job.metrics.epochs).toBe(epochs);
    await chartWith(page, epochs);
    expect(await points(page)).toBe(epochs); // each epoch once
    // drawn as they came: more than once, always growing, the last drawing with every epoch
    const drawn = (await probe()).points;
    expect(drawn.length).toBeGreaterThan(1);
    expect(drawn.every((n, i) => i === 0 || n > drawn[i - 1]!)).toBe(true);
    expect(drawn.at(-1)).toBe(epochs);
    expect(await page.getByTestId('cancel-job').isHidden()).toBe(true);
    expect(JSON.parse((await page.getByTestId('job-spec').textContent())!)).toEqual(job.spec);
    expect(await page.locator('[data-metric=epochs]').textContent()).toBe(String(epochs));

    // a prediction from the form answers as the API does
    const csv = await readFile(join(packageRoot(), 'datasets', 'digits.csv'), 'utf8');
    const row = csv.split('\n')[1]!.split(',').slice(0, 64).map(Number);
    await page.getByTestId('predict-input').fill(row.join(', '));
    await page.getByTestId('predict-submit').click();
    const shown = await page.getByTestId('predict-class').textContent();
    const predicted = await http(
      service,
      'POST',
      `/v1/models/${job.modelId}/predict`,
      { inputs: [row] },
      as(alice.key),
    );
    expect(predicted.status).toBe(200);
    expect(shown).toBe(String(predicted.body.classes[0]));
    expect(await page.getByTestId('model-link').getAttribute('href')).toBe(
      `#/models/${job.modelId}`,
    );
    await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });

    // the list shows it, newest first, with its shape
    await page.getByTestId('nav-jobs').click();
    const listed = page.locator(`[data-testid=job-row][data-job-id="${jobId}"]`);
    await listed.waitFor();
    expect(await listed.getAttribute('data-status')).toBe('succeeded');
    expect(await listed.getByTestId('job-shape').textContent()).toBe('64-256-256-10');
    expect(await page.getByTestId('job-row').first().getAttribute('data-job-id')).toBe(jobId);
    await page.screenshot({ path: join(artifacts, 'dashboard-list.png'), fullPage: true });

    expect(await troubles()).toEqual([]);
    await page.close();
  });
});
