// `backprop reproduce` against models the real service trained: downloaded as model files, then
// retrained on this machine from their receipts with no server, the weights' SHA-256 equal to the
// receipt's (exit 0) for a built-in (iris) and an uploaded table with categories and blanks
// (cars, given its CSV); a changed CSV is not equal (exit 1) and says the data differs; bad input
// is one line and exit 2. Worker and CLI run with WASM_RELAXED_SIMD=0, so both pick the same
// kernels (a fused multiply-add rounds once where a multiply then an add rounds twice).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApiKey } from '../../src/api/auth.js';
import { runCli, scratchFolder } from '../helpers/cli.js';
import { follow } from '../helpers/events.js';
import { http, irisNetwork, startService, type TestService } from '../helpers/service.js';

const scratch = scratchFolder('backprop-cli-reproduce');
const alice = newApiKey('alice');
const as = { authorization: `Bearer ${alice.key}` };
const sameKernels = { WASM_RELAXED_SIMD: '0' };
const carsCsv = readFileSync(new URL('../fixtures/cars.csv', import.meta.url), 'utf8');

let service: TestService;
beforeAll(async () => {
  service = await startService({ workers: 1, env: { API_KEYS: alice.entry, ...sameKernels } });
}, 60_000);
afterAll(async () => {
  await service?.stop();
  scratch.remove();
});

// Trains a job on the service and downloads its model file; its receipt and the file's path.
async function trainAndDownload(job: unknown, file: string) {
  const submitted = await http(service, 'POST', '/v1/jobs', job, as);
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  const events = await follow(service, submitted.body.id, { apiKey: alice.key });
  const done = events[events.length - 1]!;
  expect(done.type, JSON.stringify(done.data)).toBe('done');
  const id = done.data.modelId as string;
  const response = await fetch(`${service.url}/v1/models/${id}/download`, { headers: as });
  expect(response.status).toBe(200);
  const path = join(scratch.dir, file);
  writeFileSync(path, Buffer.from(await response.arrayBuffer()));
  const model = (await http(service, 'GET', `/v1/models/${id}`, undefined, as)).body;
  return { path, receipt: model.receipt, kernel: model.metrics.kernel as string };
}

const outcome = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);

describe('backprop reproduce MODEL_FILE [DATASET]', () => {
  let cars: Awaited<ReturnType<typeof trainAndDownload>>;
  let carsPath: string;
  beforeAll(async () => {
    const uploaded = await http(service, 'POST', '/v1/datasets?label=Origin', carsCsv, {
      'content-type': 'text/csv',
      ...as,
    });
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    carsPath = scratch.write('cars.csv', carsCsv);
    const job = { dataset: { id: uploaded.body.id }, training: { epochs: 15, seed: 6 } };
    cars = await trainAndDownload(job, 'cars.bpmodel');
  }, 60_000);

  it('iris (built-in): the receipt’s weights hash, exit 0, no dataset needed', async () => {
    const job = {
      network: irisNetwork,
      dataset: { builtin: 'iris' },
      training: { epochs: 40, learningRate: 0.3, testSplit: 0.2, seed: 8 },
    };
    const iris = await trainAndDownload(job, 'iris.bpmodel');
    expect(iris.kernel).toBe('wasm-simd');
    const run = runCli(['reproduce', iris.path, '--json'], undefined, sameKernels);
    expect(run.status, run.stderr).toBe(0);
    expect(outcome(run.stdout)).toEqual({
      model: 'iris.bpmodel',
      expected: iris.receipt.weightsSha256,
      actual: iris.receipt.weightsSha256,
      equal: true,
      datasetSha256Equal: true,
      engineVersionEqual: true,
      reasons: [],
    });
    // the plain report says so too
    const plain = runCli(['reproduce', iris.path, '-q'], undefined, sameKernels);
    expect(plain.stdout).toBe(
      `reproduced: the weights' SHA-256 is the receipt's, ${iris.receipt.weightsSha256}\n`,
    );
  }, 60_000);

  it('an uploaded table with categories and blanks (cars), from its CSV: equal, exit 0', () => {
    expect(carsCsv).toContain(',,'); // blanks
    const run = runCli(['reproduce', cars.path, carsPath, '--json'], undefined, sameKernels);
    expect(run.status, run.stderr).toBe(0);
    expect(outcome(run.stdout)).toMatchObject({
      expected: cars.receipt.weightsSha256,
      actual: cars.receipt.weightsSha256,
      equal: true,
      datasetSha256Equal: true,
    });
  });

  it('a changed CSV: not equal, exit 1, the data named as the reason', () => {
    // every car's mileage one more: whichever rows the seed holds out, the training rows change
    const lines = carsCsv
      .split('\n')
      .map((line, i) =>
        i === 0 ? line : line.replace(/^([^,]*),(\d+),/, (_, n, m) => `${n},${+m + 1},`),
      );
    expect(lines.join('\n')).not.toBe(carsCsv);
    const changed = scratch.write('cars-changed.csv', lines.join('\n'));
    const run = runCli(['reproduce', cars.path, changed], undefined, sameKernels);
    expect(run.status, run.stderr).toBe(1);
    expect(run.stdout).toMatch(
      /not reproduced: the weights' SHA-256 is [0-9a-f]{64}, the receipt's [0-9a-f]{64}\n {2}the data differs: it hashes to [0-9a-f]{64} now, [0-9a-f]{64} in the receipt\n$/,
    );
  });

  it('with relaxed SIMD against plain-SIMD weights: the kernels named', () => {
    const run = runCli(['reproduce', cars.path, carsPath, '--json'], undefined, {
      WASM_RELAXED_SIMD: '1',
    });
    const r = outcome(run.stdout);
    // the kernels are named either way; the weights differ where the CPU fuses (FMA)
    expect(r.reasons).toContainEqual(
      expect.stringMatching(/^the kernels differ: wasm-relaxed-simd now, wasm-simd then/),
    );
    expect(run.status).toBe(r.equal ? 0 : 1);
    process.stdout.write(`relaxed SIMD against plain-SIMD weights: equal ${r.equal}\n`);
  });

  it('bad input is one line, exit 2', () => {
    const cases: [string[], RegExp][] = [
      [[cars.path], /trained on the uploaded dataset \S+: give its file/],
      [['nope.bpmodel'], /cannot read model file nope\.bpmodel: no such file/],
      [[cars.path, join(scratch.dir, 'missing.csv')], /cannot read .*missing\.csv/],
      [[cars.path, carsPath, '--from', cars.path], /was not warm-started: leave out --from/],
    ];
    for (const [args, message] of cases) {
      const run = runCli(['reproduce', ...args], undefined, sameKernels);
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
