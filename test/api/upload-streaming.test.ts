// Issue 12, defect 5 (uploads): a large CSV upload is parsed as it streams in, a slice at a time,
// so other requests are answered while it is read; a JSON body nested past MAX_JSON_DEPTH is a
// 400 from a scan of its text, before it is parsed. Orderings, not timings.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { nestsDeeperThan } from '../../src/api/json-body.js';
import type { Problem } from '../../src/api/problem.js';
import { startService, type TestService } from '../helpers/service.js';

let service: TestService;
// the same service's app built once more, with a hook that says when an upload's handler starts
// (before issue 12 it parsed the whole CSV there at once; the body had been buffered before)
let app: FastifyInstance;
let handlerReached: () => void = () => {};
beforeAll(async () => {
  service = await startService();
  app = await buildApp({ config: service.config });
  app.addHook('preHandler', async (request) => {
    if (request.url.startsWith('/v1/datasets')) handlerReached();
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await service?.stop();
});

const inject = (method: 'GET' | 'POST', url: string, payload?: string, type = 'application/json') =>
  app.inject({
    method,
    url,
    ...(payload === undefined ? {} : { payload, headers: { 'content-type': type } }),
  });

// From the moment the upload's handler starts: one /healthz at a time, each sent once the one
// before is answered (before issue 12 the handler parsed the whole CSV at once: none was).
async function healthAnsweredDuring(url: string, csv: string) {
  let uploading = true;
  const reached = new Promise<void>((resolve) => {
    handlerReached = resolve;
  });
  const upload = inject('POST', url, csv, 'text/csv').finally(() => {
    uploading = false;
  });
  await reached;
  let answeredWhileUploading = 0;
  while (uploading && answeredWhileUploading < 10) {
    const health = await inject('GET', '/healthz');
    expect(health.statusCode).toBe(200);
    if (uploading) answeredWhileUploading++;
  }
  expect(answeredWhileUploading).toBe(10);
  return upload;
}

describe('a large CSV upload', () => {
  // 2 MB of rows, the last one bad, so the upload's answer comes straight after its parse
  const rows = 160_000;

  it('of numbers (?targets=): lets /healthz requests sent after it be answered before it is', async () => {
    const csv = `x1,x2,label\n${'1.25,2.5,1\n'.repeat(rows)}1,oops,0\n`;
    expect(csv.length).toBeGreaterThan(1_700_000);
    const refused = await healthAnsweredDuring('/v1/datasets?targets=label', csv);
    expect(refused.statusCode).toBe(400);
    expect(refused.json<Problem>().errors).toEqual([
      {
        path: `csv.line ${rows + 2}`,
        message: 'column x2: "oops" is not a number; every cell must be a finite number',
      },
    ]);
  }, 60_000);

  it('as a table (?label=): read as it streams in too', async () => {
    const csv = `x1,x2,label\n${'1.25,a,1\n'.repeat(rows)}1,b,0,9\n`;
    const refused = await healthAnsweredDuring('/v1/datasets?label=label', csv);
    expect(refused.statusCode).toBe(400);
    expect(refused.json<Problem>().errors).toEqual([
      {
        path: 'rows',
        message: `row ${rows + 1} has 4 cells but the header names 3 columns; name every column or remove the extra cells`,
      },
    ]);
  }, 60_000);
});

describe('MAX_JSON_DEPTH', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const tooDeep = {
    path: '',
    message:
      'nests arrays and objects more than 64 levels deep, the most this service reads (MAX_JSON_DEPTH): flatten the body',
  };

  it('a body nested past it is a 400 naming it, on every JSON route', async () => {
    for (const url of ['/v1/jobs', '/v1/datasets']) {
      const deep = await inject('POST', url, `{"network": ${nested(500_000)}}`);
      expect(deep.statusCode, url).toBe(400);
      expect(deep.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(deep.json<Problem>().errors).toEqual([tooDeep]);
    }
  });

  it('counts brackets, not brackets inside strings; 64 levels are read', async () => {
    const at64 = await inject('POST', '/v1/jobs', `{"network": ${nested(63)}}`);
    expect(at64.statusCode).toBe(400);
    expect(at64.json<Problem>().errors).not.toContainEqual(tooDeep);
    const at65 = await inject('POST', '/v1/jobs', `{"network": ${nested(64)}}`);
    expect(at65.json<Problem>().errors).toEqual([tooDeep]);
    expect(nestsDeeperThan(`{"a": "${'['.repeat(100)}"}`, 2)).toBe(false);
    expect(nestsDeeperThan(`{"a": "\\"[[[", "b": [[1]]}`, 2)).toBe(true);
    expect(nestsDeeperThan(`{"a": "\\\\", "b": [1]}`, 2)).toBe(false);
    expect(nestsDeeperThan(`{"a": "\\\\", "b": [[1]]}`, 2)).toBe(true);
  });
});
