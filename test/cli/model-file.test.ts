// `backprop models download` against the real service, then `backprop predict FILE rows.csv` with
// no server: its answer is the service's predict answer, number for number (the JSON text
// equal), for a matrix model and for a table model read by column name with blanks. The API runs
// in this process, where Node 20 has no relaxed SIMD; the CLI turns it on (as it does by default):
// predictions run the plain SIMD kernels either way (engine/predict.ts), so the bits agree.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { fromLabels } from '../../src/data/index.js';
import { decodeModelFile } from '../../src/spec/index.js';
import { runCli, runCliAsync, scratchFolder } from '../helpers/cli.js';
import { irisCsv } from '../helpers/iris.js';
import { startService, storeTrainedModel, type TestService } from '../helpers/service.js';
import { classifierDocument, storeDocument } from '../helpers/table-model.js';

const scratch = scratchFolder('backprop-cli-model-file');
const alice = newApiKey('alice');
const iris = irisCsv('test');

let service: TestService;
let matrixId: string;
let tableId: string;
beforeAll(async () => {
  service = await startService({ env: { API_KEYS: alice.entry } });
  const train = irisCsv('train');
  const data = fromLabels(train.rows, train.labels);
  const network = {
    inputSize: 4,
    layers: [
      { units: 6, activation: 'tanh' as const },
      { units: 3, activation: 'softmax' as const },
    ],
    divergence: 'cross_entropy' as const,
  };
  const spec = { epochs: 25, seed: 3 };
  matrixId = (await storeTrainedModel(service, network, data, spec, 'alice')).id;
  tableId = await storeDocument(service, classifierDocument(), 'alice');
});
afterAll(async () => {
  await service?.stop();
  scratch.remove();
});

const runAsync = (args: string[]) =>
  runCliAsync(args, { BACKPROP_SERVER: service.url, BACKPROP_API_KEY: alice.key });

async function servicePredict(id: string, body: unknown): Promise<string> {
  const response = await fetch(`${service.url}/v1/models/${id}/predict`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.text();
}

describe('backprop models download, then predict with the file', () => {
  it('downloads a matrix model whose local answers are the service’s, exactly', async () => {
    const out = join(scratch.dir, 'iris.bpmodel');
    const download = await runAsync(['models', 'download', matrixId, '--out', out]);
    expect(download.status, download.stderr).toBe(0);
    expect(download.stdout).toBe(`${out}\n`);
    expect(download.stderr).toMatch(/^\d+ bytes: 4 inputs, 2 layers$/m);
    expect(decodeModelFile(readFileSync(out)).network.inputSize).toBe(4);

    const csv = ['a,b,c,d', ...iris.rows.map((r) => r.join(','))].join('\n');
    const rows = scratch.write('iris-rows.csv', csv);
    const local = runCli(['predict', out, rows]);
    expect(local.status, local.stderr).toBe(0);
    const remote = await servicePredict(matrixId, { inputs: iris.rows });
    expect(local.stdout).toBe(`${remote}\n`);
    expect(JSON.parse(remote).outputs).toHaveLength(iris.rows.length);
    // with relaxed SIMD (the CLI's default on Node 20) the same to float32 rounding, no more
    const relaxed = JSON.parse(runCli(['predict', out, rows]).stdout);
    expect(relaxed.classes).toEqual(JSON.parse(remote).classes);
    relaxed.outputs.flat().forEach((v: number, i: number) => {
      expect(Math.abs(v - JSON.parse(remote).outputs.flat()[i])).toBeLessThan(1e-6);
    });
  });

  it('downloads a table model that reads a raw CSV (blanks, an unseen category) as the service does', async () => {
    const download = await runAsync(['models', 'download', tableId]);
    expect(download.status, download.stderr).toBe(0);
    // the default name, in the command's working folder (the test's), read and removed here
    const file = `${tableId}.bpmodel`;
    expect(download.stdout).toBe(`${file}\n`);
    const bytes = readFileSync(file);
    const path = join(scratch.dir, file);
    writeFileSync(path, bytes);
    rmSync(file);

    const csv = [
      'Name,Horsepower,Origin,Year',
      'a,130,USA,1970-01-01',
      'b,NA,Japan,1982-06-15',
      'c,,Germany,',
      'd,88.5,,1975-03-02',
    ].join('\n');
    const rows = scratch.write('cars-rows.csv', csv);
    const local = runCli(['predict', path, rows]);
    expect(local.status, local.stderr).toBe(0);
    const records = [
      { Name: 'a', Horsepower: '130', Origin: 'USA', Year: '1970-01-01' },
      { Name: 'b', Horsepower: 'NA', Origin: 'Japan', Year: '1982-06-15' },
      { Name: 'c', Horsepower: '', Origin: 'Germany', Year: '' },
      { Name: 'd', Horsepower: '88.5', Origin: '', Year: '1975-03-02' },
    ];
    const remote = await servicePredict(tableId, { records });
    // the same answer, but that the CLI's warnings name rows of the file, not records
    expect(local.stdout).toBe(`${remote.replaceAll('"records.', '"rows.')}\n`);
    expect(JSON.parse(remote).classes).toHaveLength(4);
    expect(JSON.parse(local.stdout).warnings).toEqual([
      `rows.2.Origin: "Germany" was not among the training rows' categories; read as Origin (other)`,
    ]);
  });

  it('refuses a damaged file locally, naming what is wrong (exit 2)', async () => {
    const path = join(scratch.dir, 'iris.bpmodel');
    const bytes = readFileSync(path);
    const cut = scratch.write('cut.bpmodel', '');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const rows = join(scratch.dir, 'iris-rows.csv');
    const run = runCli(['predict', cut, rows]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(
      /^backprop: model file .*cut\.bpmodel is truncated: \d+ bytes where/,
    );
  });

  it('says so when the model is not there (exit 2)', async () => {
    const run = await runAsync([
      'models',
      'download',
      'nosuchmodel',
      '--out',
      join(scratch.dir, 'x'),
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/no model has id or name nosuchmodel/);
  });
});
