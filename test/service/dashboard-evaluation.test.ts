// The dashboard's model page (#/models/:id) in a real browser (Debian's Chromium driven by
// playwright-core): a three-class model's confusion matrix as a heatmap (counts, the darkest
// cell by row share, class names as text even when one holds markup), its per-class table, ROC
// curves and headline numbers; a regression model's numbers and predicted-against-actual
// scatter; the columns a table model reads and skips. The models are trained by the engine and
// stored through the real model store, as a worker stores them, with evaluation, preprocessing
// and target fixtures written out below. Real API and Redis; no CSP violation allowed.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { fromLabels, fromTargets } from '../../src/data/index.js';
import { train } from '../../src/engine/index.js';
import { newId } from '../../src/ids.js';
import { packageRoot } from '../../src/paths.js';
import {
  type ClassificationEvaluation,
  createModelDocument,
  evaluationSchema,
  type ModelParts,
  type NetworkSpec,
  type Preprocessor,
  preprocessorSchema,
  type RegressionEvaluation,
  resolveTraining,
} from '../../src/spec/index.js';
import { connectRedis, createStores, type StoredModel } from '../../src/store/index.js';
import { launchChromium, openProbedPage } from '../helpers/browser.js';
import { http, startService, storeTinyModel, type TestService } from '../helpers/service.js';

const alice = newApiKey('alice');
const as = (key: string) => ({ authorization: `Bearer ${key}` });
const artifacts = join(packageRoot(), '.ci', 'artifacts');
const long = 60_000;

// a class name from a user's file that would run if it were ever written as HTML
const hostile = '<script>window.pwned = 1</script>Gentoo';
const hostileCategory = 'Torgersen <img src=x onerror="window.pwned = 2">';
const labels = ['Adelie', 'Chinstrap', hostile];
// rows = truth. The largest count is Adelie's 10, but Gentoo's 9 are all of its rows: the
// darkest cell by row share is (2, 2)
const matrix = [
  [10, 2, 0],
  [1, 7, 2],
  [0, 0, 9],
];

/** Precision, recall, F1 and the F1 averages from the matrix, as scikit-learn defines them. */
function classification(): ClassificationEvaluation {
  const rows = matrix.flat().reduce((a, b) => a + b, 0);
  const perClass = labels.map((label, k) => {
    const support = matrix[k]!.reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((sum, row) => sum + row[k]!, 0);
    const precision = matrix[k]![k]! / predicted;
    const recall = matrix[k]![k]! / support;
    return {
      label,
      precision,
      recall,
      f1: (2 * precision * recall) / (precision + recall),
      support,
    };
  });
  return {
    task: 'classification',
    rows,
    accuracy: (10 + 7 + 9) / rows,
    logLoss: 0.41234,
    confusionMatrix: { labels, matrix },
    perClass,
    macroF1: perClass.reduce((sum, c) => sum + c.f1, 0) / 3,
    weightedF1: perClass.reduce((sum, c) => sum + c.f1 * c.support, 0) / rows,
    rocAuc: 0.93125,
    rocCurves: [
      { label: labels[0]!, fpr: [0, 0, 0.05, 0.25, 1], tpr: [0, 0.5, 0.83, 1, 1] },
      { label: labels[1]!, fpr: [0, 0.1, 0.1, 0.5, 1], tpr: [0, 0.3, 0.7, 0.9, 1] },
      { label: labels[2]!, fpr: [0, 0, 0.2, 1], tpr: [0, 0.9, 1, 1] },
    ],
  };
}

const actual = Array.from({ length: 40 }, (_, i) => 10 + i * 0.75);
const regression: RegressionEvaluation = {
  task: 'regression',
  rows: 40,
  mae: 2.3456,
  rmse: 3.10987,
  r2: 0.87654,
  points: { actual, predicted: actual.map((y, i) => y + ((i % 5) - 2) * 1.5) },
};

const penguinColumns: Preprocessor = {
  missingTokens: ['', 'NA'],
  columns: [
    {
      name: 'Beak Length (mm)',
      type: 'numeric',
      fill: 44.45,
      mean: 43.92,
      std: 5.46,
      indicator: true,
    },
    {
      name: 'Island',
      type: 'categorical',
      categories: ['Biscoe', 'Dream', hostileCategory],
      slots: 3,
      fill: 'Biscoe',
      missingSlot: false,
    },
    { name: 'Tagged', type: 'boolean', fill: 1 },
    {
      name: 'Date Egg',
      type: 'datetime',
      fill: Date.UTC(2008, 10, 9),
      yearMean: 2008,
      yearStd: 0.8,
      hours: false,
    },
  ],
  skipped: [
    { name: 'Individual ID', type: 'id', reason: 'a different value in every row' },
    { name: 'Comments', type: 'text', reason: 'free text: 190 distinct values in 344 rows' },
  ],
  width: 12,
  inputNames: [
    'Beak Length (mm)',
    'Beak Length (mm) (missing)',
    'Island=Biscoe',
    'Island=Dream',
    `Island=${hostileCategory}`,
    'Island (other)',
    'Tagged',
    'Date Egg (year)',
    'Date Egg (month sin)',
    'Date Egg (month cos)',
    'Date Egg (day of week sin)',
    'Date Egg (day of week cos)',
  ],
  options: {
    numericImpute: 'median',
    fillValue: 0,
    missingIndicator: true,
    categoricalImpute: 'most_frequent',
    maxCategories: 20,
    minFrequency: 1,
  },
};

const carColumns: Preprocessor = {
  ...penguinColumns,
  columns: [
    { name: 'Horsepower', type: 'numeric', fill: 95, mean: 104.5, std: 38.4, indicator: false },
  ],
  skipped: [{ name: 'Name', type: 'text', reason: 'free text' }],
  width: 1,
  inputNames: ['Horsepower'],
  options: { ...penguinColumns.options, missingIndicator: false },
};

/** A real model of the preprocessing's width, trained on a few rows, stored as a worker would. */
async function storeModel(
  network: NetworkSpec,
  data: ReturnType<typeof fromLabels>,
  parts: Pick<ModelParts, 'preprocessing' | 'target' | 'evaluation' | 'classes'>,
): Promise<StoredModel> {
  const training = resolveTraining({ epochs: 3, seed: 1 });
  const result = train(network, data, training, {});
  const doc = createModelDocument({
    network,
    training,
    result,
    history: [],
    durationMs: 1,
    ...parts,
  });
  const stored: StoredModel = { ...doc, id: newId(), jobId: newId() };
  const redis = connectRedis(service.config.redisUrl);
  await createStores(redis, service.config.keyPrefix, 'alice').models.save(stored);
  await redis.quit();
  return stored;
}

let service: TestService;
let browser: Browser;
let classifier: StoredModel;
let regressor: StoredModel;

beforeAll(async () => {
  service = await startService({ env: { API_KEYS: alice.entry } });
  browser = await launchChromium();
  await mkdir(artifacts, { recursive: true });
  const rows = Array.from({ length: 6 }, (_, r) =>
    Array.from({ length: 12 }, (_, c) => ((r * 7 + c) % 5) / 4),
  );
  classifier = await storeModel(
    { inputSize: 12, layers: [{ units: 3, activation: 'softmax' }], divergence: 'cross_entropy' },
    fromLabels(rows, [0, 1, 2, 0, 1, 2]),
    {
      classes: labels,
      preprocessing: penguinColumns,
      target: { name: 'Species', task: 'classification', classes: labels },
      evaluation: classification(),
    },
  );
  regressor = await storeModel(
    { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
    fromTargets([[0], [1], [2]], [[0], [0.5], [1]]),
    {
      preprocessing: carColumns,
      target: { name: 'Miles_per_Gallon', task: 'regression', mean: 23.51, std: 7.82 },
      evaluation: regression,
    },
  );
}, long);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

/** The model page, after giving the key. */
async function openModel(id: string) {
  const opened = await openProbedPage(browser, { width: 1280, height: 900 });
  await opened.page.goto(`${service.url}/#/models/${id}`);
  await opened.page.getByTestId('key-input').fill(alice.key);
  await opened.page.getByTestId('key-submit').click();
  await opened.page.getByTestId('model-about').getByRole('link').waitFor();
  return opened;
}

const texts = (page: Page, selector: string) => page.locator(selector).allTextContents();
/** The labels of a chart's legend, as uPlot wrote them. */
const legend = (page: Page, chart: string) =>
  texts(page, `[data-testid=${chart}] .u-legend .u-series .u-label`);

/**
 * How many of the chart canvas's pixels are exactly each colour: a curve drawn leaves some.
 * Evaluated through the DevTools protocol, which the page's policy (no eval) does not govern.
 */
async function pixelsOf(page: Page, chart: string, colors: string[]): Promise<number[]> {
  return (await page.evaluate(`(() => {
    const canvas = document.querySelector('[data-testid=${chart}] canvas');
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const wanted = ${JSON.stringify(colors)}.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
    const counts = wanted.map(() => 0);
    for (let p = 0; p < data.length; p += 4)
      wanted.forEach(([r, g, b], k) => {
        if (data[p] === r && data[p + 1] === g && data[p + 2] === b && data[p + 3] === 255) counts[k] += 1;
      });
    return counts;
  })()`)) as number[];
}

describe('GET /v1/models/:id', () => {
  it('returns the evaluation, preprocessing and target the model was stored with', async () => {
    const { status, body } = await http(
      service,
      'GET',
      `/v1/models/${classifier.id}`,
      undefined,
      as(alice.key),
    );
    expect(status).toBe(200);
    expect(body.evaluation).toEqual(evaluationSchema.parse(classification()));
    expect(body.preprocessing).toEqual(preprocessorSchema.parse(penguinColumns));
    expect(body.target).toEqual({ name: 'Species', task: 'classification', classes: labels });
  });
});

describe('the model page in a browser', () => {
  it('draws a classifier: headline numbers, the confusion heatmap, per-class table, ROC curves and its columns', async () => {
    const { page, troubles } = await openModel(classifier.id);
    await page.getByTestId('evaluation').waitFor();

    const metric = (key: string) =>
      page.getByTestId('evaluation-headline').locator(`[data-metric=${key}]`).textContent();
    expect(await metric('accuracy')).toBe('83.9 %'); // 26 of 31
    expect(await metric('logLoss')).toBe('0.4123');
    expect(await metric('macroF1')).toBe('0.8355');
    expect(await metric('weightedF1')).toBe('0.8356');
    expect(await metric('rocAuc')).toBe('0.9313');
    expect(await metric('rows')).toBe('31');

    // the class names on both axes, as text: the markup in one is neither parsed nor run
    expect(await texts(page, '[data-testid=true-class]')).toEqual(labels);
    expect(await texts(page, '[data-testid=predicted-class]')).toEqual(labels);
    expect(await page.locator('main script, main img').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    expect(
      await page.getByTestId('confusion-matrix').locator('thead th').first().textContent(),
    ).toBe('predicted');
    expect(
      await page.getByTestId('confusion-matrix').locator('tbody th').first().getAttribute('scope'),
    ).toBe('row');

    // every count in its cell; the shade is the row share, so the darkest is Gentoo's 9 of 9,
    // not Adelie's 10 of 12
    const cells =
      (await page.evaluate(`[...document.querySelectorAll('[data-testid=confusion-cell]')]
      .map((td) => ({ row: Number(td.dataset.row), col: Number(td.dataset.col), text: td.textContent,
        label: td.getAttribute('aria-label'), background: getComputedStyle(td).backgroundColor }))`)) as {
        row: number;
        col: number;
        text: string;
        label: string;
        background: string;
      }[];
    expect(cells.map((c) => [c.row, c.col, Number(c.text)])).toEqual(
      matrix.flatMap((row, r) => row.map((count, c) => [r, c, count])),
    );
    const alpha = (css: string) => {
      const parts = css.match(/[\d.]+/g)!.map(Number);
      return css.startsWith('rgba') ? parts[3]! : 1;
    };
    for (const cell of cells) {
      const total = matrix[cell.row]!.reduce((a, b) => a + b, 0);
      expect(cell.background, `${cell.row},${cell.col}`).toMatch(/^rgba?\(37, 99, 235/);
      // the computed colour keeps its alpha in 8 bits
      expect(alpha(cell.background)).toBeCloseTo(matrix[cell.row]![cell.col]! / total, 2);
    }
    const darkest = cells.reduce((a, b) => (alpha(b.background) > alpha(a.background) ? b : a));
    expect([darkest.row, darkest.col]).toEqual([2, 2]);
    expect(alpha(darkest.background)).toBe(1);
    expect(cells.find((c) => c.row === 1 && c.col === 2)!.label).toBe(
      `true Chinstrap, predicted ${hostile}: 2 of 10 (20.0 %)`,
    );

    // per class, as computed from the matrix
    const perClass = page.getByTestId('per-class-row');
    expect(await perClass.count()).toBe(3);
    expect(await perClass.locator('th').allTextContents()).toEqual(labels);
    expect(await perClass.locator('[data-metric=precision]').allTextContents()).toEqual([
      '0.9091', // 10 / 11
      '0.7778', // 7 / 9
      '0.8182', // 9 / 11
    ]);
    expect(await perClass.locator('[data-metric=recall]').allTextContents()).toEqual([
      '0.8333',
      '0.7',
      '1',
    ]);
    expect(await perClass.locator('[data-metric=f1]').allTextContents()).toEqual([
      '0.8696',
      '0.7368',
      '0.9',
    ]);
    expect(await perClass.locator('[data-metric=support]').allTextContents()).toEqual([
      '12',
      '10',
      '9',
    ]);

    // one ROC curve per class and the chance diagonal, each drawn in its colour
    const roc = page.getByTestId('roc-chart');
    expect(await roc.getAttribute('data-series')).toBe('3');
    expect(await roc.getAttribute('aria-label')).toContain(hostile);
    expect(await roc.locator('canvas').count()).toBe(1);
    expect(await legend(page, 'roc-chart')).toEqual([...labels, 'chance']);
    const drawn = await pixelsOf(page, 'roc-chart', ['#2563eb', '#ea580c', '#16a34a']);
    for (const [k, n] of drawn.entries()) expect(n, `${labels[k]}'s curve`).toBeGreaterThan(50);

    // the columns it reads and skips, and its classes
    const columns = page.getByTestId('model-column');
    expect(await columns.locator('th').allTextContents()).toEqual([
      'Beak Length (mm)',
      'Island',
      'Tagged',
      'Date Egg',
    ]);
    expect(await columns.locator('td:nth-of-type(1)').allTextContents()).toEqual([
      'numeric',
      'categorical',
      'boolean',
      'datetime',
    ]);
    expect(await columns.nth(0).locator('td').last().textContent()).toBe(
      'standardised (mean 43.92, std 5.46); missing → 44.45 (median); with a missing indicator',
    );
    expect(await columns.nth(1).locator('td').last().textContent()).toBe(
      `one-hot: 3 categories (Biscoe, Dream, ${hostileCategory}) and "other"; missing → Biscoe`,
    );
    expect(await columns.nth(3).locator('td').last().textContent()).toBe(
      'calendar features (year, month, day of week); missing → 2008-11-09',
    );
    const skipped = page.getByTestId('skipped-column');
    expect(await skipped.locator('th').allTextContents()).toEqual(['Individual ID', 'Comments']);
    expect(await skipped.locator('td:last-child').allTextContents()).toEqual([
      'a different value in every row',
      'free text: 190 distinct values in 344 rows',
    ]);
    expect(await texts(page, '[data-testid=model-class]')).toEqual(labels);
    expect(await page.getByTestId('model-target').locator('strong').textContent()).toBe('Species');
    expect(await page.locator('[data-metric=epochs]').textContent()).toBe('3');

    await page.screenshot({ path: join(artifacts, 'dashboard-model-classes.png'), fullPage: true });
    expect(await troubles()).toEqual([]);
    await page.close();
  });

  it('draws a regressor: its errors, R² and predicted against actual with y = x', async () => {
    const { page, troubles } = await openModel(regressor.id);
    await page.getByTestId('evaluation').waitFor();
    const metric = (key: string) =>
      page.getByTestId('evaluation-headline').locator(`[data-metric=${key}]`).textContent();
    expect(await metric('mae')).toBe('2.346');
    expect(await metric('rmse')).toBe('3.11');
    expect(await metric('r2')).toBe('0.8765');
    expect(await metric('rows')).toBe('40');
    expect(await page.getByTestId('evaluation-headline').locator('dt').allTextContents()).toEqual([
      'mean absolute error',
      'root mean squared error',
      'R²',
      'held-out rows',
    ]);
    expect(await page.getByTestId('confusion-matrix').count()).toBe(0);
    expect(await page.getByTestId('roc-chart').count()).toBe(0);

    const scatter = page.getByTestId('scatter-chart');
    expect(await scatter.getAttribute('data-series')).toBe('1');
    expect(await scatter.getAttribute('data-points')).toBe('40');
    expect(await scatter.locator('canvas').count()).toBe(1);
    expect(await legend(page, 'scatter-chart')).toEqual(['held-out rows', 'predicted = actual']);
    const [points, line] = await pixelsOf(page, 'scatter-chart', ['#2563eb', '#64748b']);
    expect(points).toBeGreaterThan(200);
    expect(line).toBeGreaterThan(50);

    expect(await page.getByTestId('model-target').textContent()).toContain(
      'Miles_per_Gallon (regression',
    );
    expect(await page.getByTestId('model-class').count()).toBe(0);
    await page.screenshot({
      path: join(artifacts, 'dashboard-model-regression.png'),
      fullPage: true,
    });
    expect(await troubles()).toEqual([]);
    await page.close();
  });

  it('says so when a model has no evaluation, and names an unknown model', async () => {
    const plain = await storeTinyModel(service, ['a', 'b']);
    // storeTinyModel stores under the default tenant; alice's key cannot see it
    const { page, troubles } = await openProbedPage(browser);
    await page.goto(`${service.url}/#/models/${plain}`);
    await page.getByTestId('key-input').fill(alice.key);
    await page.getByTestId('key-submit').click();
    const refused = page.getByTestId('model-error');
    await refused.waitFor();
    expect(await refused.textContent()).toBe(`no model has id or name ${plain}`);

    const bare = await storeModel(
      { inputSize: 1, layers: [{ units: 1, activation: 'identity' }], divergence: 'l2' },
      fromTargets([[0], [1]], [[0], [1]]),
      {},
    );
    await page.goto(`${service.url}/#/models/${bare.id}`);
    await page.getByTestId('no-evaluation').waitFor();
    expect(await page.getByTestId('evaluation').count()).toBe(0);
    expect(await page.getByTestId('model-data').count()).toBe(0);
    expect(await page.getByTestId('model-about').getByRole('link').getAttribute('href')).toBe(
      `#/jobs/${bare.jobId}`,
    );
    expect(await troubles()).toEqual([]);
    await page.close();
  });
});
