// The dashboard's CSV upload of a file a worker reads (issue 16): in a real browser, a file past
// DATASET_INLINE_BYTES is answered 202; the page says a worker is reading it, asks after it until
// it is ready, then shows its shape and suggests a spec on it; a file the worker refuses (a label
// naming no column) lists the refusal with its field. Real API, worker process and Redis.
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { launchChromium, openProbedPage } from '../helpers/browser.js';
import { startService, type TestService } from '../helpers/service.js';

const alice = newApiKey('alice');
const long = 60_000;
const cars = readFileSync(new URL('../fixtures/cars.csv', import.meta.url));

let service: TestService;
let browser: Browser;

beforeAll(async () => {
  service = await startService({
    env: { API_KEYS: alice.entry, DATASET_INLINE_BYTES: '1024' },
    workers: 1,
  });
  browser = await launchChromium();
}, long);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

describe('the new-job page, uploading a CSV a worker reads', () => {
  it('waits for the worker, then shows the table and suggests a spec on it', async () => {
    expect(cars.length).toBeGreaterThan(1024);
    const { page, troubles } = await openProbedPage(browser);
    await page.goto(`${service.url}/#/new`);
    await page.getByTestId('key-input').fill(alice.key);
    await page.getByTestId('key-submit').click();
    await page.getByTestId('dataset-csv').check();
    const file = { name: 'cars.csv', mimeType: 'text/csv', buffer: cars };
    await page.getByTestId('csv-file').setInputFiles(file);
    await page.getByTestId('csv-label').fill('Origin');
    await page.getByTestId('csv-upload').click();

    const result = page.getByTestId('upload-result');
    await result.filter({ hasText: /rows, .* features/ }).waitFor({ timeout: long });
    const text = (await result.textContent())!;
    expect(text).toMatch(
      /^Dataset \w+: 406 rows, \d+ features, 3 outputs \(classes Europe, Japan, USA\)\.$/,
    );
    const id = text.split(/[ :]/)[1]!;
    const shown = await fetch(`${service.url}/v1/datasets/${id}`, {
      headers: { authorization: `Bearer ${alice.key}` },
    });
    expect(((await shown.json()) as { status: string }).status).toBe('ready');
    const suggested = JSON.parse(await page.getByTestId('spec-editor').inputValue());
    expect(suggested.dataset).toEqual({ id });

    // a label naming no column: the worker's refusal, listed with its field
    await page.getByTestId('csv-label').fill('Continent');
    await page.getByTestId('csv-upload').click();
    const refusal = page.getByTestId('upload-error').first();
    await refusal.waitFor({ timeout: long });
    expect(await refusal.getAttribute('data-path')).toBe('query.label');
    expect(await refusal.textContent()).toMatch(/no column named Continent/);
    expect(await troubles()).toEqual([]);
  });
});
