// Predict by column name (issue 14) over real HTTP with real Redis, on table models built by
// hand (test/helpers/table-model.ts) and saved through the model store: records in, answers
// checked against the preprocessing and forward pass computed by hand in float64; blanks,
// nulls and left-out fields imputed; unseen categories to "other" with a warning; a word for a
// number a 400 naming record and field; and TF Serving's objects and OIP v2's named inputs
// answering exactly what records answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromTargets } from '../../src/data/index.js';
import { http, startService, storeTrainedModel, type TestService } from '../helpers/service.js';
import {
  type CarRecord,
  classifierDocument,
  classNames,
  forwardByHand,
  inputsByHand,
  regressorDocument,
  storeDocument,
} from '../helpers/table-model.js';

const maxPredictRows = 5;
const classifier = classifierDocument();
const regressor = regressorDocument();
const ids = { classifier: '', regressor: '', matrix: '' };
let service: TestService;

beforeAll(async () => {
  service = await startService({ env: { MAX_PREDICT_ROWS: String(maxPredictRows) } });
  ids.classifier = await storeDocument(service, classifier);
  ids.regressor = await storeDocument(service, regressor);
  const matrixNetwork = {
    inputSize: 2,
    layers: [{ units: 1, activation: 'identity' as const }],
    divergence: 'l2' as const,
  };
  const data = fromTargets([[1, 2]], [[3]]);
  ids.matrix = (await storeTrainedModel(service, matrixNetwork, data, { epochs: 1, seed: 1 })).id;
}, 30_000);
afterAll(() => service?.stop());

const post = (path: string, body: unknown) => http(service, 'POST', path, body);
const predict = (id: string, body: unknown) => post(`/v1/models/${id}/predict`, body);

const cars: CarRecord[] = [
  { Horsepower: 130, Origin: 'USA', Year: '1970-01-01' },
  { Horsepower: 65, Origin: 'Japan', Year: '1982-06-15' },
  { Horsepower: 88.5, Origin: 'Japan', Year: '1977-11-30' },
];

/** What the classifier must answer for `records`: probabilities and the arg-max class, by hand. */
function expectClasses(body: { outputs: number[][]; classes: string[] }, records: CarRecord[]) {
  const byHand = records.map((r) => forwardByHand(classifier, inputsByHand(r)));
  expect(body.outputs).toHaveLength(records.length);
  body.outputs.forEach((row, i) => {
    expect(row).toHaveLength(3);
    row.forEach((p, k) => expect(p).toBeCloseTo(byHand[i]![k]!, 5));
  });
  const best = byHand.map((p) => classNames[p.indexOf(Math.max(...p))]);
  expect(body.classes).toEqual(best);
}

const paths = (body: { errors?: { path: string }[] }) => body.errors?.map((e) => e.path);

describe('GET /v1/models/:id of a table model', () => {
  it('shows its columns, its class list in output order, its preprocessing and target', async () => {
    const { status, body } = await http(service, 'GET', `/v1/models/${ids.classifier}`);
    expect(status).toBe(200);
    expect(body.columns).toEqual([
      { name: 'Horsepower', type: 'numeric' },
      { name: 'Origin', type: 'categorical' },
      { name: 'Year', type: 'datetime' },
    ]);
    expect(body.classes).toEqual(['low', 'mid', 'high']);
    expect(body.target).toEqual(classifier.target);
    expect(body.preprocessing).toEqual(classifier.preprocessing);
    expect(body.weights).toEqual(classifier.weights);
    const value = (await http(service, 'GET', `/v1/models/${ids.regressor}`)).body;
    expect(value.columns.map((c: { name: string }) => c.name)).toEqual([
      'Horsepower',
      'Origin',
      'Year',
    ]);
    expect(value).not.toHaveProperty('classes');
    expect(value.target).toEqual({
      name: 'Miles_per_Gallon',
      task: 'regression',
      mean: 23,
      std: 7.5,
    });
  });
});

describe('POST /v1/models/:id/predict with records', () => {
  it('a classifier: probabilities in the class list’s order and class names, as by hand', async () => {
    const { status, body } = await predict(ids.classifier, { records: cars });
    expect(status).toBe(200);
    expectClasses(body, cars);
    expect(body).not.toHaveProperty('warnings');
    // the three rows do not all fall in one class: the check above means something
    expect(new Set(body.classes).size).toBeGreaterThan(1);
  });

  it("a regressor: the value in the target's units (un-scaled), as by hand", async () => {
    const { status, body } = await predict(ids.regressor, { records: cars });
    expect(status).toBe(200);
    expect(body).not.toHaveProperty('classes');
    body.outputs.forEach((row: number[], i: number) => {
      const z = forwardByHand(regressor, inputsByHand(cars[i]!))[0]!;
      expect(row).toHaveLength(1);
      expect(row[0]).toBeCloseTo(z * 7.5 + 23, 4);
    });
  });

  it('imputes blanks, nulls, missing tokens and left-out fields with the training fills', async () => {
    const blanks = [
      { Horsepower: null, Origin: null, Year: null },
      { Horsepower: '', Origin: '', Year: '' },
      { Horsepower: 'NA', Origin: '?', Year: 'NA' },
      {},
      { Horsepower: 95, Origin: 'USA', Year: '1976-07-01' }, // the fills themselves
    ];
    const { status, body } = await predict(ids.regressor, { records: blanks });
    expect(status).toBe(200);
    const filled = forwardByHand(regressor, inputsByHand({}))[0]! * 7.5 + 23;
    for (const [value] of body.outputs) expect(value).toBeCloseTo(filled, 4);
    expect(new Set(body.outputs.map((o: number[]) => o[0])).size).toBe(1);
    expect(body).not.toHaveProperty('warnings');
    // numbers sent as text are read as numbers, as in a CSV
    const text = await predict(ids.classifier, { records: [{ ...cars[2], Horsepower: '88.5' }] });
    expectClasses(text.body, [cars[2]!]);
  });

  it('an unseen category goes to "other", and the answer says so', async () => {
    const records = [cars[0]!, { Horsepower: 70, Origin: 'Mars', Year: '1980-03-03' }];
    const { status, body } = await predict(ids.classifier, { records });
    expect(status).toBe(200);
    expectClasses(body, records);
    expect(inputsByHand(records[1]!).slice(1, 4)).toEqual([0, 0, 1]);
    expect(body.warnings).toHaveLength(1);
    expect(body.warnings[0]).toMatch(/^records\.1\.Origin: "Mars" .*other/);
  });

  it('a word where a number belongs is a 400 naming the record and the field', async () => {
    const records = [cars[0]!, { ...cars[1]!, Horsepower: 'fast' }];
    const { status, body } = await predict(ids.classifier, { records });
    expect(status).toBe(400);
    expect(paths(body)).toEqual(['records.1.Horsepower']);
    expect(body.detail).toMatch(/records\.1\.Horsepower: must be a number \(got "fast"\)/);
    const date = await predict(ids.classifier, { records: [{ ...cars[0]!, Year: 'last year' }] });
    expect([date.status, paths(date.body)]).toEqual([400, ['records.0.Year']]);
    const nested = await predict(ids.classifier, { records: [{ Origin: ['USA'] }] });
    expect([nested.status, paths(nested.body)]).toEqual([400, ['records.0.Origin']]);
  });

  it('records for a model trained on a numeric matrix: 400 at records, saying to send inputs', async () => {
    const { status, body } = await predict(ids.matrix, { records: [{ a: 1 }] });
    expect(status).toBe(400);
    expect(paths(body)).toEqual(['records']);
    expect(body.detail).toMatch(/trained on a numeric matrix.*send inputs/);
    // and a string in its inputs is still refused at the cell
    const cell = await predict(ids.matrix, { inputs: [[1, 'a']] });
    expect([cell.status, paths(cell.body)]).toEqual([400, ['inputs.0.1']]);
    expect(cell.body.detail).toMatch(/must be a number \(got "a"\)/);
  });

  it('one of inputs and records, not neither nor both, within the row limit', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{}, 'inputs', /send inputs .* or, for a model trained on a table, records/],
      [{ inputs: [[130, 'USA', '1970-01-01']], records: cars }, 'records', /not both/],
      [{ records: [] }, 'records', /at least one record/],
      [{ records: [1] }, 'records.0', /must be a record/],
      [
        { records: Array.from({ length: maxPredictRows + 1 }, () => cars[0]) },
        'records',
        new RegExp(`has ${maxPredictRows + 1} rows; send at most ${maxPredictRows}`),
      ],
    ];
    for (const [request, path, message] of cases) {
      const { status, body } = await predict(ids.classifier, request);
      expect(status, JSON.stringify(request).slice(0, 80)).toBe(400);
      expect(paths(body)).toEqual([path]);
      expect(body.detail).toMatch(message);
    }
  });

  it('prototype keys: `__proto__` is refused where it is; other such names are data', async () => {
    const proto = await post(
      `/v1/models/${ids.classifier}/predict`,
      '{"records": [{"Horsepower": 130}, {"__proto__": {"Horsepower": 1}}]}',
    );
    expect([proto.status, paths(proto.body)]).toEqual([400, ['records.1.__proto__']]);
    const ctor = await post(
      `/v1/models/${ids.classifier}/predict`,
      '{"records": [{"constructor": {"prototype": {"Origin": "Japan"}}}]}',
    );
    expect([ctor.status, paths(ctor.body)]).toEqual([400, ['records.0.constructor']]);
    // names of Object.prototype's members are fields like any other: ignored, with a warning
    const records = [{ ...cars[1]!, toString: 'x', constructor: 'y', hasOwnProperty: 1 }];
    const { status, body } = await predict(ids.classifier, { records });
    expect(status).toBe(200);
    expectClasses(body, [cars[1]!]);
    expect(body.warnings).toEqual([
      expect.stringMatching(/^records: fields "toString", "constructor", "hasOwnProperty" ignored/),
    ]);
    // and a field left out is never read from Object.prototype
    const bare = await predict(ids.classifier, { records: [{}] });
    expectClasses(bare.body, [{}]);
  });

  it('inputs rows are the raw cells in the order of the columns', async () => {
    const rows = cars.map((c) => [c.Horsepower, c.Origin, c.Year]);
    const { status, body } = await predict(ids.classifier, {
      inputs: [...rows, [null, null, null]],
    });
    expect(status).toBe(200);
    expectClasses(body, [...cars, {}]);
    const records = await predict(ids.classifier, { records: [...cars, {}] });
    expect(body).toEqual(records.body);
    const word = await predict(ids.classifier, { inputs: [rows[0], ['fast', 'USA', null]] });
    expect([word.status, paths(word.body)]).toEqual([400, ['inputs.1.0']]);
    const short = await predict(ids.classifier, { inputs: [[130, 'USA']] });
    expect([short.status, paths(short.body)]).toEqual([400, ['inputs.0']]);
    expect(short.body.detail).toMatch(
      /has 2 values; the model reads 3 columns, in this order: Horsepower, Origin, Year/,
    );
  });
});

describe('TF Serving and OIP v2 by column name', () => {
  const records: CarRecord[] = [...cars, { Horsepower: null, Origin: 'Mars' }];
  let expected: { outputs: number[][]; classes: string[]; warnings: string[] };
  let expectedValues: number[][];
  beforeAll(async () => {
    expected = (await predict(ids.classifier, { records })).body;
    expectedValues = (await predict(ids.regressor, { records })).body.outputs;
  });
  const tf = (id: string, body: unknown) => post(`/v1/models/${id}:predict`, body);

  it('TF instances as objects keyed by column name: predictions are the records’ outputs', async () => {
    const { status, body } = await tf(ids.classifier, { instances: records });
    expect(status).toBe(200);
    expect(body.predictions).toEqual(expected.outputs);
    expect(body.warnings).toEqual([expect.stringMatching(/^instances\.3\.Origin: "Mars"/)]);
    // named inputs of shape [1] ([130]) and rows of raw cells read the same
    const wrapped = records.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, [v]])),
    );
    expect((await tf(ids.classifier, { instances: wrapped })).body.predictions).toEqual(
      expected.outputs,
    );
    const rows = records.map((r) => [r.Horsepower ?? null, r.Origin ?? null, r.Year ?? null]);
    expect((await tf(ids.classifier, { instances: rows })).body.predictions).toEqual(
      expected.outputs,
    );
    const value = await tf(ids.regressor, { instances: records });
    expect(value.body.predictions).toEqual(expectedValues);
  });

  it('TF columnar inputs as column → values: outputs are the records’ outputs', async () => {
    const columns = {
      Horsepower: records.map((r) => r.Horsepower ?? null),
      Origin: records.map((r) => r.Origin ?? null),
      Year: records.map((r) => r.Year ?? null),
    };
    const { status, body } = await tf(ids.classifier, { inputs: columns });
    expect(status).toBe(200);
    expect(body.outputs).toEqual(expected.outputs);
    expect(body.warnings).toEqual([expect.stringMatching(/^inputs\.Origin\.3: "Mars"/)]);
  });

  it('TF refusals name the field', async () => {
    const cases: [unknown, string[]][] = [
      [{ instances: [cars[0], { ...cars[1], Horsepower: 'fast' }] }, ['instances.1.Horsepower']],
      [{ inputs: { Horsepower: [1, 'fast'], Origin: ['USA', 'USA'] } }, ['inputs.Horsepower.1']],
      [{ inputs: { Horsepower: [1, 2], Origin: ['USA'] } }, ['inputs.Origin']],
      [{ instances: [{ input: [130, 'USA', '1970-01-01'] }] }, ['instances.0.input']],
      [{ instances: [[130, 'USA']] }, ['instances.0']],
      [{ instances: [5] }, ['instances.0']],
      [{ instances: Array.from({ length: maxPredictRows + 1 }, () => cars[0]) }, ['instances']],
    ];
    for (const [request, expectedPaths] of cases) {
      const { status, body } = await tf(ids.classifier, request);
      expect(status, JSON.stringify(request)).toBe(400);
      expect(paths(body), JSON.stringify(request)).toEqual(expectedPaths);
      expect(body.error).toBe(body.detail);
    }
  });

  it('OIP metadata lists one input per column, with its datatype', async () => {
    const { status, body } = await http(service, 'GET', `/v2/models/${ids.classifier}`);
    expect(status).toBe(200);
    expect(body.inputs).toEqual([
      { name: 'Horsepower', datatype: 'FP32', shape: [-1] },
      { name: 'Origin', datatype: 'BYTES', shape: [-1] },
      { name: 'Year', datatype: 'BYTES', shape: [-1] },
    ]);
    expect(body.outputs).toEqual([
      { name: 'output', datatype: 'FP32', shape: [-1, 3] },
      { name: 'class', datatype: 'BYTES', shape: [-1] },
    ]);
  });

  const n = records.length;
  const namedInputs = () => [
    {
      name: 'Horsepower',
      shape: [n],
      datatype: 'FP64',
      data: records.map((r) => r.Horsepower ?? null),
    },
    {
      name: 'Origin',
      shape: [n, 1],
      datatype: 'BYTES',
      data: records.map((r) => [r.Origin ?? null]),
    },
    { name: 'Year', shape: [n, 1], datatype: 'BYTES', data: records.map((r) => r.Year ?? '') },
  ];

  it('OIP named inputs, one per column: the records’ outputs and classes', async () => {
    const infer = await post(`/v2/models/${ids.classifier}/infer`, {
      id: '7',
      inputs: namedInputs(),
    });
    expect(infer.status).toBe(200);
    expect(infer.body).toEqual({
      model_name: ids.classifier,
      id: '7',
      parameters: { warnings: [expect.stringMatching(/^inputs\.1\.data\.3: "Mars"/)] },
      outputs: [
        { name: 'output', datatype: 'FP32', shape: [n, 3], data: expected.outputs.flat() },
        { name: 'class', datatype: 'BYTES', shape: [n], data: expected.classes },
      ],
    });
    const value = await post(`/v2/models/${ids.regressor}/infer`, { inputs: namedInputs() });
    expect(value.body.outputs).toEqual([
      { name: 'output', datatype: 'FP32', shape: [n, 1], data: expectedValues.flat() },
    ]);
    // a column left out is missing in every row
    const some = await post(`/v2/models/${ids.classifier}/infer`, {
      inputs: namedInputs().slice(0, 2),
    });
    const withoutYear = records.map(({ Year: _year, ...r }) => r);
    expect(some.body.outputs[0].data).toEqual(
      (await predict(ids.classifier, { records: withoutYear })).body.outputs.flat(),
    );
  });

  it('OIP takes integer codes of a category as numbers, as records do', async () => {
    const codes = { name: 'Origin', shape: [n], datatype: 'INT32', data: [1, 2, 3, 4] };
    const infer = await post(`/v2/models/${ids.classifier}/infer`, { inputs: [codes] });
    expect(infer.status).toBe(200);
    const byRecords = await predict(ids.classifier, {
      records: [1, 2, 3, 4].map((Origin) => ({ Origin })),
    });
    expect(infer.body.outputs[0].data).toEqual(byRecords.body.outputs.flat());
    expect(infer.body.parameters.warnings[0]).toMatch(/^inputs\.0\.data\.0: "1" /);
  });

  it('OIP refusals name the tensor and the cell', async () => {
    const [hp, origin, year] = namedInputs();
    const cases: [unknown[], string[]][] = [
      [
        [{ ...hp, datatype: 'BYTES', data: ['1', 'fast', '3', null] }, origin, year],
        ['inputs.0.data.1'],
      ],
      [[{ ...hp, data: [1, 'fast', 3, null] }, origin, year], ['inputs.0.data.1']],
      [
        [hp, { ...origin, data: [[1], ['USA'], [true], [null]] }],
        ['inputs.1.data.0', 'inputs.1.data.2'],
      ],
      [
        [hp, { ...origin, datatype: 'BOOL' }],
        ['inputs.1.data.0', 'inputs.1.data.1', 'inputs.1.data.2', 'inputs.1.data.3'],
      ],
      [[hp, { ...origin, datatype: 'STRING' }], ['inputs.1.datatype']],
      [
        [hp, { ...origin, data: [['USA', 'Japan'], ['USA'], ['USA'], ['USA']] }],
        ['inputs.1.data.0'],
      ],
      [[hp, { ...origin, name: 'Name' }], ['inputs.1.name']],
      [[hp, { ...hp }], ['inputs.1.name']],
      [[hp, { ...origin, shape: [2, 1], data: [['USA'], ['USA']] }], ['inputs.1.shape.0']],
      [[{ ...hp, shape: [n, 2] }], ['inputs.0.shape']],
      [[{ ...hp, shape: [n], data: [1, 2] }], ['inputs.0.data']],
      [[{ ...hp, shape: [maxPredictRows + 1], data: [1, 2, 3, 4, 5, 6] }], ['inputs.0.shape.0']],
      [[{ ...hp, shape: [] }], ['inputs.0.shape']],
      [[{ ...hp, datatype: 'INT32', data: [1, 2.5, 3, 4] }], ['inputs.0.data.1']],
    ];
    for (const [inputs, expectedPaths] of cases) {
      const { status, body } = await post(`/v2/models/${ids.classifier}/infer`, { inputs });
      expect(status, JSON.stringify(inputs).slice(0, 200)).toBe(400);
      expect(paths(body), JSON.stringify(inputs).slice(0, 200)).toEqual(expectedPaths);
      expect(body.error).toBe(body.detail);
    }
  });
});
