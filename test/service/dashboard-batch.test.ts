// The dashboard shows a batch-predictions job (issue 15) beside training ones: in the jobs list
// its model reference in place of a network's shape and rows in place of epochs, and on its page
// the rows scored and a link to its CSV, with no error in the page. Real browser, API, worker.
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openProbedPage } from '../helpers/browser.js';
import { follow } from '../helpers/events.js';
import { http, startService, type TestService } from '../helpers/service.js';

const penguinsCsv = readFileSync(new URL('../../bench/data/penguins.csv', import.meta.url), 'utf8');

let service: TestService;
let browser: Browser;
beforeAll(async () => {
  service = await startService({ workers: 1 });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

describe('a batch-predictions job in the dashboard', () => {
  it('is listed with its model and rows, and its page links its CSV', async () => {
    const upload = await http(service, 'POST', '/v1/datasets?label=Species', penguinsCsv, {
      'content-type': 'text/csv',
    });
    expect(upload.status).toBe(201);
    const datasetId = upload.body.id;
    const rows = upload.body.rows;
    const training = await http(service, 'POST', '/v1/jobs', {
      dataset: { id: datasetId },
      training: { seed: 1, epochs: 5 },
      model: { name: 'penguins' },
    });
    expect((await follow(service, training.body.id)).at(-1)!.type).toBe('done');
    const batch = await http(service, 'POST', '/v1/models/penguins@1/batch-predictions', {
      dataset: { id: datasetId },
    });
    expect(batch.status).toBe(202);
    const jobId = batch.body.id;
    expect((await follow(service, jobId)).at(-1)!.type).toBe('done');

    const { page, troubles } = await openProbedPage(browser);
    await page.goto(`${service.url}/#/jobs`);
    const row = page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
    await row.waitFor();
    expect(await row.getByTestId('job-shape').textContent()).toBe('batch: penguins@1');
    expect(await row.textContent()).toContain(`${rows} / ${rows} rows`);
    // the training job's row is as before
    const trained = page.locator(`[data-testid="job-row"][data-job-id="${training.body.id}"]`);
    expect(await trained.textContent()).toContain('5 / 5');

    await page.goto(`${service.url}/#/jobs/${jobId}`);
    const link = page.getByTestId('output-link');
    await link.waitFor();
    expect(await link.getAttribute('href')).toBe(`/v1/jobs/${jobId}/output`);
    expect(await page.getByTestId('job-progress').textContent()).toContain(
      `${rows} of ${rows} rows scored`,
    );
    // no epochs to chart
    expect(await page.getByRole('heading', { name: 'Error per epoch' }).isVisible()).toBe(false);
    expect(await troubles()).toEqual([]);
  }, 120_000);
});
