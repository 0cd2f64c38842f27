// The dashboard's models pages in a real browser (Debian's Chromium driven by playwright-core),
// over models a real worker trained: two versions of the name `cars` (an uploaded table, the
// second warm-started from the first) and an unnamed iris model. The list shows them with their
// versions and held-out headline numbers, filters by name and tag, groups by name and pages on;
// the name's page sets an alias, moves it, refuses to delete the aliased version with the
// service's 409 message, removes the alias and deletes a version, each seen on the page and
// through the API; the model page shows name@version, aliases, tags, description, lineage and
// downloads the model file (and shows the 422 of an ONNX export the table cannot have). Real
// API, worker process and Redis; no CSP violation allowed.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { createApiClient } from '../../src/client.js';
import { packageRoot } from '../../src/paths.js';
import { launchChromium, openProbedPage } from '../helpers/browser.js';
import { follow } from '../helpers/events.js';
import { http, irisNetwork, startService, type TestService } from '../helpers/service.js';

const alice = newApiKey('alice');
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const artifacts = join(packageRoot(), '.ci', 'artifacts');
const long = 120_000;

let service: TestService;
let browser: Browser;
let client: ReturnType<typeof createApiClient>;
let datasetId: string;
const models: Record<'v1' | 'v2' | 'iris', any> = { v1: null, v2: null, iris: null };

/** Submits a job, follows it to its end and answers its model as GET /v1/models/:id shows it. */
async function train(job: unknown) {
  const submitted = await http(service, 'POST', '/v1/jobs', job, as(alice.key));
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  const events = await follow(service, submitted.body.id, { apiKey: alice.key });
  const done = events[events.length - 1]!;
  expect(done.type, JSON.stringify(done.data)).toBe('done');
  const { data, response } = await client.GET('/v1/models/{id}', {
    params: { path: { id: done.data.modelId } },
  });
  expect(response.status).toBe(200);
  return data!;
}

beforeAll(async () => {
  service = await startService({ workers: 1, env: { API_KEYS: alice.entry } });
  client = createApiClient(service.url, alice.key);
  const csv = await readFile(join(packageRoot(), 'test', 'fixtures', 'cars.csv'), 'utf8');
  const uploaded = await http(service, 'POST', '/v1/datasets?label=Miles_per_Gallon', csv, {
    'content-type': 'text/csv',
    ...as(alice.key),
  });
  expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
  datasetId = uploaded.body.id;
  const naming = {
    name: 'cars',
    tags: { team: 'road' },
    description: 'Miles per gallon from the car table',
  };
  models.v1 = await train({
    dataset: { id: datasetId },
    training: { seed: 1, epochs: 40 },
    model: naming,
  });
  models.v2 = await train({
    dataset: { id: datasetId },
    training: { seed: 2, epochs: 20, initFrom: { model: 'cars@1' } },
    model: naming,
  });
  models.iris = await train({
    network: irisNetwork,
    dataset: { builtin: 'iris' },
    training: { epochs: 60, learningRate: 0.3, seed: 3, testSplit: 0.2 },
  });
  browser = await launchChromium();
  await mkdir(artifacts, { recursive: true });
}, long);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

/** A probed page at `hash`, after giving the key. */
async function open(hash: string) {
  const opened = await openProbedPage(browser, { width: 1400, height: 900 });
  await opened.page.goto(`${service.url}/${hash}`);
  await opened.page.getByTestId('key-input').fill(alice.key);
  await opened.page.getByTestId('key-submit').click();
  return opened;
}

const rows = (page: Page) => page.getByTestId('model-row');
/** Waits until the list shows `n` models of the list query `query`. */
const listed = (page: Page, query: string, n: number) =>
  page.locator(`[data-testid=model-list][data-query="${query}"][data-rows="${n}"]`).waitFor();
const rowOf = (page: Page, id: string) =>
  page.locator(`[data-testid=model-row][data-model-id="${id}"]`);
const versionRow = (page: Page, version: number) =>
  page.locator(`[data-testid=version-row][data-version="${version}"]`);
const aliasesOn = (page: Page, version: number) =>
  versionRow(page, version)
    .getByTestId('alias')
    .evaluateAll((list) => list.map((e) => (e as { dataset: { alias: string } }).dataset.alias));
/** The id a reference names, through the API (null: it names none). */
async function resolved(ref: string): Promise<string | null> {
  const { data, response } = await client.GET('/v1/models/{id}', {
    params: { path: { id: ref } },
  });
  return response.status === 200 ? data!.id : null;
}

describe('the models page', () => {
  it('trained the models it shows: two versions of cars and an unnamed iris model', () => {
    expect([models.v1.name, models.v1.version, models.v2.version]).toEqual(['cars', 1, 2]);
    expect(models.iris.name).toBeUndefined();
    expect(models.v2.lineage.initFrom).toBe(models.v1.id);
    expect(typeof models.v1.metrics.test.r2).toBe('number');
    expect(typeof models.iris.metrics.test.accuracy).toBe('number');
  });

  it('lists every model, newest first, with its versions, aliases, tags and headline numbers', async () => {
    const { page, troubles } = await open('#/models');
    await listed(page, '', 3);
    expect(await page.getByTestId('nav-models').getAttribute('aria-current')).toBe('');
    const ids = await rows(page).evaluateAll((list) =>
      list.map((e) => (e as { dataset: { modelId: string } }).dataset.modelId),
    );
    expect(ids).toEqual([models.iris.id, models.v2.id, models.v1.id]);
    expect(await page.getByTestId('model-label').allTextContents()).toEqual([
      models.iris.id,
      'cars@2',
      'cars@1',
    ]);

    // the headline numbers are the model's own metrics.test, exactly
    for (const key of ['accuracy', 'macroF1'] as const) {
      const figure = rowOf(page, models.iris.id).locator(`[data-metric=${key}]`);
      expect(Number(await figure.getAttribute('data-value'))).toBe(models.iris.metrics.test[key]);
    }
    expect(await rowOf(page, models.iris.id).locator('[data-metric=accuracy]').textContent()).toBe(
      `accuracy ${(models.iris.metrics.test.accuracy * 100).toFixed(1)} %`,
    );
    for (const m of [models.v1, models.v2]) {
      const r2 = rowOf(page, m.id).locator('[data-metric=r2]');
      expect(Number(await r2.getAttribute('data-value'))).toBe(m.metrics.test.r2);
      expect(await r2.textContent()).toMatch(/^R² -?\d/);
      expect(await rowOf(page, m.id).getByTestId('tag').allTextContents()).toEqual(['team: road']);
      const dataset = rowOf(page, m.id).locator(`[data-id="${datasetId}"]`);
      expect(await dataset.getAttribute('title')).toBe(datasetId);
      expect(await dataset.textContent()).toBe(`…${datasetId.slice(-8)}`);
      expect(await rowOf(page, m.id).locator(`a[href="#/jobs/${m.jobId}"]`).count()).toBe(1);
    }
    expect(await rowOf(page, models.iris.id).getByTestId('tag').count()).toBe(0);
    expect(await rowOf(page, models.iris.id).textContent()).toContain('unnamed');

    // grouped by name: cars (newest version first), then the unnamed
    await page.getByTestId('models-order').selectOption('name');
    await page.waitForURL(/#\/models\?order=name$/);
    await page.getByTestId('name-group').nth(1).waitFor();
    expect(
      await page
        .locator('[data-testid=model-rows] tr')
        .evaluateAll((list) =>
          list.map(
            (e) => (e as { dataset: { testid: string; modelId?: string; name?: string } }).dataset,
          ),
        )
        .then((all) => all.map((d) => (d.testid === 'name-group' ? `group:${d.name}` : d.modelId))),
    ).toEqual(['group:cars', models.v2.id, models.v1.id, 'group:', models.iris.id]);
    await page.screenshot({ path: join(artifacts, 'dashboard-models.png'), fullPage: true });
    expect(await troubles()).toEqual([]);
    await page.close();
  });

  it('filters by name and by tag (the list query), and pages on with "Load more"', async () => {
    const { page, troubles } = await open('#/models');
    await listed(page, '', 3);
    await page.getByTestId('filter-name').fill('cars');
    await page.getByTestId('filter-submit').click();
    await page.waitForURL(/#\/models\?name=cars$/);
    await listed(page, 'name=cars', 2);
    expect(await page.getByTestId('model-label').allTextContents()).toEqual(['cars@2', 'cars@1']);

    await page.goto(`${service.url}/#/models?tag=team:road`);
    await listed(page, 'tag=team%3Aroad', 2);
    expect(await page.getByTestId('filter-tag').inputValue()).toBe('team:road');
    expect(await page.getByTestId('model-label').allTextContents()).toEqual(['cars@2', 'cars@1']);

    await page.getByTestId('filter-tag').fill('team:sea');
    await page.getByTestId('filter-submit').click();
    await listed(page, 'tag=team%3Asea', 0);
    expect(await page.getByTestId('no-models').isVisible()).toBe(true);

    // a name the service cannot take: its problem, naming the field
    await page.getByTestId('filter-tag').fill('');
    await page.getByTestId('filter-name').fill('no spaces');
    await page.getByTestId('filter-submit').click();
    const problem = page.getByTestId('models-error');
    await problem.waitFor();
    expect(await problem.textContent()).toContain('must be 1–64 letters');

    // two at a time: the cursor's next page comes with "Load more"
    await page.goto(`${service.url}/#/models?limit=2`);
    await listed(page, 'limit=2', 2);
    await page.getByTestId('load-more').click();
    await listed(page, 'limit=2', 3);
    expect(await rows(page).count()).toBe(3);
    expect(await page.getByTestId('load-more').isHidden()).toBe(true);
    expect(await troubles()).toEqual([]);
    await page.close();
  });
});

describe('the model page', () => {
  it('shows name@version, aliases, tags, description, lineage and downloads', async () => {
    const candidate = await client.PUT('/v1/models/{name}/aliases/{alias}', {
      params: { path: { name: 'cars', alias: 'candidate' } },
      body: { version: 2 },
    });
    expect(candidate.response.status).toBe(200);
    // opened by a reference: the alias's version
    const { page, troubles } = await open('#/models/cars@candidate');
    await page.getByTestId('lineage').waitFor();
    expect(await page.getByTestId('model-title').textContent()).toBe('cars@2');
    expect(await page.getByTestId('model-id').textContent()).toBe(models.v2.id);
    expect(await page.getByTestId('model-registry').getByTestId('alias').allTextContents()).toEqual(
      ['candidate'],
    );
    expect(await page.getByTestId('model-registry').getByTestId('tag').allTextContents()).toEqual([
      'team: road',
    ]);
    expect(await page.getByTestId('model-description').textContent()).toBe(
      'Miles per gallon from the car table',
    );
    expect(await page.getByTestId('name-link').getAttribute('href')).toBe('#/models/cars/versions');

    expect(await page.getByTestId('model-about').textContent()).toMatch(
      new RegExp(`network, trained .* by job ${models.v2.jobId}$`),
    );
    const lineage = models.v2.lineage;
    const entry = (key: string) => page.locator(`[data-lineage=${key}]`);
    expect(await entry('job').locator('a').getAttribute('href')).toBe(`#/jobs/${models.v2.jobId}`);
    expect(await entry('dataset').textContent()).toBe(datasetId);
    expect(await entry('sha256').textContent()).toBe(lineage.dataset.sha256);
    expect(lineage.dataset.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await entry('seed').textContent()).toBe(String(lineage.seed));
    expect(lineage.seed).toBe(2);
    expect(await entry('engineVersion').textContent()).toBe(lineage.engineVersion);
    expect(await entry('initFrom').locator('a').getAttribute('href')).toBe(
      `#/models/${models.v1.id}`,
    );

    // the model file, fetched with the key, saved under the service's name: the API's bytes
    expect(await page.getByTestId('download-native').getAttribute('href')).toBe(
      `/v1/models/${models.v2.id}/download`,
    );
    const [saved] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-native').click(),
    ]);
    expect(saved.suggestedFilename()).toBe('cars-2.bpmodel');
    const bytes = await readFile((await saved.path())!);
    const api = await fetch(`${service.url}/v1/models/${models.v2.id}/download`, {
      headers: as(alice.key),
    });
    expect(bytes.equals(Buffer.from(await api.arrayBuffer()))).toBe(true);
    await page.getByTestId('download-saved').waitFor();

    // the table has a date column, which ONNX cannot express: the service's 422, shown
    expect(await page.getByTestId('download-onnx').getAttribute('href')).toBe(
      `/v1/models/${models.v2.id}/download?format=onnx`,
    );
    await page.getByTestId('download-onnx').click();
    const refusal = page.getByTestId('download-error');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('Year');
    await page.screenshot({ path: join(artifacts, 'dashboard-model.png'), fullPage: true });

    // the unnamed iris model: its id as title, its ONNX downloads
    await page.goto(`${service.url}/#/models/${models.iris.id}`);
    await page.locator(`[data-testid=model-title]`, { hasText: models.iris.id }).waitFor();
    await page.getByTestId('lineage').waitFor();
    expect(await page.getByTestId('name-link').count()).toBe(0);
    expect(await entry('dataset').textContent()).toBe('iris');
    const [onnx] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-onnx').click(),
    ]);
    expect(onnx.suggestedFilename()).toBe(`${models.iris.id}.onnx`);
    const onnxApi = await fetch(`${service.url}/v1/models/${models.iris.id}/download?format=onnx`, {
      headers: as(alice.key),
    });
    expect(
      (await readFile((await onnx.path())!)).equals(Buffer.from(await onnxApi.arrayBuffer())),
    ).toBe(true);

    const removed = await client.DELETE('/v1/models/{name}/aliases/{alias}', {
      params: { path: { name: 'cars', alias: 'candidate' } },
    });
    expect(removed.response.status).toBe(204);
    expect(await troubles()).toEqual([]);
    await page.close();
  });
});

describe("a name's page", () => {
  it('sets an alias, moves it, refuses to delete its version, removes it and deletes a version', async () => {
    const { page, troubles } = await open('#/models/cars/versions');
    await versionRow(page, 1).waitFor();
    expect(await page.getByTestId('version-link').allTextContents()).toEqual(['cars@2', 'cars@1']);
    // the evaluations side by side
    for (const [version, m] of [
      [2, models.v2],
      [1, models.v1],
    ] as const) {
      const r2 = versionRow(page, version).locator('[data-metric=r2]');
      expect(Number(await r2.getAttribute('data-value'))).toBe(m.metrics.test.r2);
      const rmse = versionRow(page, version).locator('[data-metric=rmse]');
      expect(Number(await rmse.getAttribute('data-value'))).toBe(m.metrics.test.rmse);
    }
    const notice = page.getByTestId('registry-notice');

    // a new alias, on version 1
    await page.getByTestId('alias-input').fill('production');
    await page.getByTestId('alias-version').selectOption('1');
    await page.getByTestId('alias-submit').click();
    await versionRow(page, 1).getByTestId('alias').waitFor();
    expect(await aliasesOn(page, 1)).toEqual(['production']);
    expect(await aliasesOn(page, 2)).toEqual([]);
    expect(await notice.textContent()).toBe('cars@production now points at version 1.');
    expect(await resolved('cars@production')).toBe(models.v1.id);
    expect(await page.getByTestId('name-summary').textContent()).toContain('production → 1');

    // moved to version 2
    await page.getByTestId('alias-input').fill('production');
    await page.getByTestId('alias-version').selectOption('2');
    await page.getByTestId('alias-submit').click();
    await versionRow(page, 2).getByTestId('alias').waitFor();
    expect(await aliasesOn(page, 2)).toEqual(['production']);
    expect(await aliasesOn(page, 1)).toEqual([]);
    expect(await resolved('cars@production')).toBe(models.v2.id);

    // an alias that would read as a version: the service's problem, naming the field
    await page.getByTestId('alias-input').fill('7');
    await page.getByTestId('alias-submit').click();
    const problem = page.getByTestId('registry-error');
    await problem.waitFor();
    expect(await problem.getAttribute('data-path')).toBe('params.alias');
    expect(await problem.textContent()).toContain('never reads as a version');

    // deleting the aliased version: refused, with the service's 409 detail; nothing deleted
    page.once('dialog', (dialog) => dialog.accept());
    await versionRow(page, 2).getByTestId('delete-version').click();
    await page.locator('[data-testid=registry-error]', { hasText: 'points at' }).waitFor();
    const conflict = await http(service, 'DELETE', '/v1/models/cars@2', undefined, as(alice.key));
    expect(conflict.status).toBe(409);
    expect(await problem.textContent()).toBe(conflict.body.detail);
    expect(conflict.body.detail).toContain('the alias production points at cars@2');
    expect(await resolved('cars@2')).toBe(models.v2.id);
    expect(await page.getByTestId('version-row').count()).toBe(2);

    // a dismissed confirmation deletes nothing (checked after the next change has gone through)
    page.once('dialog', (dialog) => dialog.dismiss());
    await versionRow(page, 1).getByTestId('delete-version').click();

    // the alias removed from its badge: gone on the page and in the API
    await versionRow(page, 2).getByTestId('remove-alias').click();
    await page.locator('[data-testid=registry-notice]', { hasText: 'removed' }).waitFor();
    expect(await resolved('cars@1')).toBe(models.v1.id);
    expect(await aliasesOn(page, 2)).toEqual([]);
    expect(await resolved('cars@production')).toBeNull();
    expect(await page.getByTestId('registry-error').count()).toBe(0);
    await page.screenshot({ path: join(artifacts, 'dashboard-name.png'), fullPage: true });

    // now version 2 deletes: its row goes, and so does the model
    page.once('dialog', (dialog) => dialog.accept());
    await versionRow(page, 2).getByTestId('delete-version').click();
    await versionRow(page, 2).waitFor({ state: 'detached' });
    expect(await page.getByTestId('version-link').allTextContents()).toEqual(['cars@1']);
    expect(await notice.textContent()).toBe('cars@2 is deleted.');
    expect(await resolved(models.v2.id)).toBeNull();
    expect(await resolved('cars')).toBe(models.v1.id); // the name's latest is version 1 again
    expect(await troubles()).toEqual([]);
    await page.close();
  });
});
