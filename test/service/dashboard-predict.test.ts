// The dashboard's predict form for table models (issue 14) in a real browser (Debian's Chromium
// driven by playwright-core): one field per input column, typed by the column's type, blanks
// left out of the record (imputed), the record sent as {"records": [record]}; the answer shown
// as the API gives it for the same record (class name and probabilities per class, or the value
// with the label's name) and as the hand computation of test/helpers/table-model.ts expects; an
// unseen category's warning shown; class names as text even when one holds markup. On the model
// page and on a succeeded job's page. A model trained on numbers keeps the numeric form. Models
// built by hand, stored through the real model store; real API and Redis; no CSP violation.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { newId } from '../../src/ids.js';
import { packageRoot } from '../../src/paths.js';
import {
  type JobRecord,
  type ModelDocument,
  modelSchema,
  resolveTraining,
} from '../../src/spec/index.js';
import { connectRedis, createStores } from '../../src/store/index.js';
import { launchChromium, openProbedPage } from '../helpers/browser.js';
import { http, startService, type TestService } from '../helpers/service.js';
import {
  type CarRecord,
  classifierDocument,
  forwardByHand,
  inputsByHand,
  preprocessing,
  regressorDocument,
  storeDocument,
} from '../helpers/table-model.js';

const alice = newApiKey('alice');
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const long = 60_000;
const artifacts = join(packageRoot(), '.ci', 'artifacts');

// a class name from a user's file that would run if it were ever written as HTML
const hostile = 'mid <img src=x onerror="window.pwned = 1">';
const classes = ['low', hostile, 'high'];

/**
 * The hand-built classifier with a fourth column, boolean Turbo (missing → 0), after the three
 * of table-model.ts: one more network input, last, with its own weights.
 */
function turboClassifier(): ModelDocument {
  const doc = classifierDocument();
  const [first, ...rest] = doc.weights;
  return modelSchema.parse({
    ...doc,
    network: { ...doc.network, inputSize: 10 },
    weights: [{ W: first!.W.map((row, j) => [...row, (j - 1.5) * 0.8]), b: first!.b }, ...rest],
    preprocessing: {
      ...preprocessing,
      columns: [...preprocessing.columns, { name: 'Turbo', type: 'boolean', fill: 0 }],
      width: 10,
      inputNames: [...preprocessing.inputNames, 'Turbo'],
    },
    target: { name: 'Economy', task: 'classification', classes },
  });
}

interface TurboRecord extends CarRecord {
  Turbo?: boolean;
}

const turboInputs = (record: TurboRecord) => [...inputsByHand(record), record.Turbo ? 1 : 0];

let service: TestService;
let browser: Browser;
let classifier: ModelDocument;
let classifierId: string;
let regressorId: string;
let numericId: string;
let jobId: string;

beforeAll(async () => {
  service = await startService({ env: { API_KEYS: alice.entry } });
  browser = await launchChromium();
  await mkdir(artifacts, { recursive: true });
  classifier = turboClassifier();
  classifierId = await storeDocument(service, classifier, 'alice');
  regressorId = await storeDocument(service, regressorDocument(), 'alice');
  // the same network without its table: a model trained on rows of 9 numbers
  const { preprocessing: _p, target: _t, ...plain } = classifierDocument();
  numericId = await storeDocument(service, { ...plain, classes: ['a', 'b', 'c'] }, 'alice');

  // a succeeded job whose model is the table classifier, as a worker leaves it
  const redis = connectRedis(service.config.redisUrl);
  const at = new Date().toISOString();
  jobId = newId();
  const record: JobRecord = {
    id: jobId,
    status: 'succeeded',
    spec: {
      network: classifier.network,
      dataset: { id: newId() },
      training: resolveTraining({ epochs: 1, seed: 1 }),
    },
    progress: { epoch: 1, epochs: 1, error: 0.5 },
    createdAt: at,
    startedAt: at,
    finishedAt: at,
    modelId: classifierId,
  };
  const stores = createStores(redis, service.config.keyPrefix, 'alice', {
    blobs: service.app.services.blobs,
  });
  expect(await stores.jobs.create(record, { type: 'status', status: 'succeeded', at })).toBe('ok');
  await redis.quit();
}, long);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

/** A page at `hash`, after giving the key. */
async function open(hash: string) {
  const opened = await openProbedPage(browser, { width: 1280, height: 900 });
  await opened.page.goto(`${service.url}/${hash}`);
  await opened.page.getByTestId('key-input').fill(alice.key);
  await opened.page.getByTestId('key-submit').click();
  return opened;
}

const field = (page: Page, index: number) =>
  page.locator(`[data-testid=predict-field][data-index="${index}"]`);

/** What POST /v1/models/:id/predict answers for the one record. */
async function answerFor(id: string, record: object) {
  const res = await http(
    service,
    'POST',
    `/v1/models/${id}/predict`,
    { records: [record] },
    as(alice.key),
  );
  expect(res.status).toBe(200);
  return res.body as { outputs: number[][]; classes?: string[]; warnings?: string[] };
}

/** The shown class, and per class row: its name, its exact probability and as shown. */
async function shownClassification(page: Page) {
  const rows = page.getByTestId('predict-probability');
  return {
    predicted: await page.getByTestId('predict-class').textContent(),
    names: await rows.locator('th').allTextContents(),
    values: (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-value')))).map(
      Number,
    ),
    texts: (await rows.locator('td').allTextContents()).map(Number),
  };
}

/** Fills the classifier's fields with `record` (a field not in it left as it is). */
async function fillTurbo(page: Page, record: TurboRecord) {
  if (record.Horsepower !== undefined) await field(page, 0).fill(String(record.Horsepower));
  if (record.Origin !== undefined) await field(page, 1).fill(String(record.Origin));
  if (record.Year !== undefined) await field(page, 2).fill(String(record.Year));
  if (record.Turbo !== undefined) await field(page, 3).selectOption(String(record.Turbo));
}

/** The classifier's form predicts `record` as the API and the hand computation do. */
async function expectClassified(page: Page, record: TurboRecord) {
  const api = await answerFor(classifierId, record);
  const shown = await shownClassification(page);
  expect(shown.predicted).toBe(api.classes![0]);
  expect(shown.names).toEqual(classes);
  expect(shown.values).toEqual(api.outputs[0]);
  const byHand = forwardByHand(classifier, turboInputs(record));
  shown.values.forEach((p, k) => {
    expect(p).toBeCloseTo(byHand[k]!, 5);
    expect(shown.texts[k]).toBeCloseTo(p, 3);
  });
  expect(shown.predicted).toBe(classes[byHand.indexOf(Math.max(...byHand))]);
  return api;
}

describe('the predict form of a table model', () => {
  it('on the model page: a field per column by type; blanks imputed; the class and probabilities as the API answers; an unseen category warned', async () => {
    const { page, troubles } = await open(`#/models/${classifierId}`);
    const form = page.getByTestId('predict-table-form');
    await form.waitFor();

    // one field per column, in order, labelled with its name and type
    const fields = page.getByTestId('predict-field');
    expect(await fields.count()).toBe(4);
    expect(await form.locator('label').allTextContents()).toEqual([
      'Horsepower (numeric)',
      'Origin (categorical)',
      'Year (datetime)',
      'Turbo (boolean)',
    ]);
    const kinds = await fields.evaluateAll((els) =>
      els.map((el) => `${el.tagName.toLowerCase()}:${el.getAttribute('type') ?? ''}`),
    );
    expect(kinds).toEqual(['input:number', 'input:text', 'input:date', 'select:']);
    expect(
      await field(page, 1).evaluate((input) =>
        [...(input as unknown as { list: { options: { value: string }[] } }).list.options].map(
          (o) => o.value,
        ),
      ),
    ).toEqual(['USA', 'Japan']);
    expect(await field(page, 3).locator('option').allTextContents()).toEqual([
      '(blank)',
      'true',
      'false',
    ]);
    expect(await page.getByTestId('predict-input').count()).toBe(0);

    // Year left blank: imputed with the training median
    const record: TurboRecord = { Horsepower: 130, Origin: 'Japan', Turbo: true };
    await fillTurbo(page, record);
    await page.getByTestId('predict-submit').click();
    await page.getByTestId('predict-class').waitFor();
    const api = await expectClassified(page, record);
    expect(api.warnings ?? []).toEqual([]);
    expect(await page.getByTestId('predict-warnings').count()).toBe(0);
    // the class names as text: the markup in one is neither parsed nor run
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();

    // a category the training rows never had: read as "other", and said so
    const unseen: TurboRecord = { ...record, Origin: 'Mars', Year: '1981-06-30', Turbo: false };
    await fillTurbo(page, unseen);
    await page.getByTestId('predict-submit').click();
    await page.getByTestId('predict-warning').waitFor();
    const warned = await expectClassified(page, unseen);
    expect(warned.warnings).toHaveLength(1);
    expect(warned.warnings![0]).toContain('Mars');
    expect(await page.getByTestId('predict-warning').allTextContents()).toEqual(warned.warnings);
    await page.screenshot({ path: join(artifacts, 'dashboard-predict-table.png'), fullPage: true });

    expect(await troubles()).toEqual([]);
    await page.close();
  });

  it('on the model page of a regressor: the value with the label name; every field blank is imputed', async () => {
    const { page, troubles } = await open(`#/models/${regressorId}`);
    await page.getByTestId('predict-table-form').waitFor();
    expect(await page.getByTestId('predict-field').count()).toBe(3);
    const doc = regressorDocument();
    const check = async (record: CarRecord) => {
      await page.getByTestId('predict-submit').click();
      const value = page.getByTestId('predict-value');
      await value.waitFor();
      const api = await answerFor(regressorId, record);
      expect(api.classes).toBeUndefined();
      expect(Number(await value.getAttribute('data-value'))).toBe(api.outputs[0]![0]);
      expect(Number(await value.textContent())).toBeCloseTo(api.outputs[0]![0]!, 2);
      // the target is standardised: the value is un-scaled into miles per gallon
      const [z] = forwardByHand(doc, inputsByHand(record));
      expect(api.outputs[0]![0]).toBeCloseTo(z! * 7.5 + 23, 4);
      expect(await page.getByTestId('predict-target').textContent()).toBe('Miles_per_Gallon');
      expect(await page.getByTestId('predict-class').count()).toBe(0);
      await value.evaluate((el) => el.remove()); // so the next answer is waited for
    };

    await check({});
    await field(page, 1).fill('USA');
    await field(page, 2).fill('1980-03-15');
    await check({ Origin: 'USA', Year: '1980-03-15' });
    expect(await troubles()).toEqual([]);
    await page.close();
  });

  it("on a succeeded job's page: the same form for the job's table model", async () => {
    const { page, troubles } = await open(`#/jobs/${jobId}`);
    await page.getByTestId('predict-table-form').waitFor();
    expect(await page.getByTestId('predict-input').count()).toBe(0);
    const record: TurboRecord = { Horsepower: 70, Year: '1972-01-20' };
    await fillTurbo(page, record);
    await page.getByTestId('predict-submit').click();
    await page.getByTestId('predict-class').waitFor();
    await expectClassified(page, record);
    expect(await troubles()).toEqual([]);
    await page.close();
  });

  it('a model trained on numbers keeps the form for rows of numbers', async () => {
    const { page, troubles } = await open(`#/models/${numericId}`);
    const input = page.getByTestId('predict-input');
    await input.waitFor();
    expect(await page.getByTestId('predict-field').count()).toBe(0);
    expect(await input.getAttribute('placeholder')).toBe(
      '9 numbers per row, comma-separated; one row per line',
    );
    const row = [0.5, -1, 0, 1, 0.25, 0, 1, 0, 1];
    await input.fill(row.join(', '));
    await page.getByTestId('predict-submit').click();
    const shown = page.getByTestId('predict-class');
    await shown.waitFor();
    const res = await http(
      service,
      'POST',
      `/v1/models/${numericId}/predict`,
      { inputs: [row] },
      as(alice.key),
    );
    expect(res.status).toBe(200);
    expect(await shown.textContent()).toBe(String(res.body.classes[0]));
    expect(await troubles()).toEqual([]);
    await page.close();
  });
});
