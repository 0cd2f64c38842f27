// The OpenAPI document is what the generated client (src/client.ts) is made from: every $ref in
// it must resolve, every operation must say what it answers, errors included, and the bodies a
// client sends carry examples.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from '../helpers/service.js';

let service: TestService;
let doc: any;
beforeAll(async () => {
  service = await startService();
  doc = (await service.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(() => service?.stop());

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, found);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refsIn(v, found);
    }
  return found;
}

const operations = () =>
  Object.entries<Record<string, any>>(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ name: `${method} ${path}`, op })),
  );

describe('the OpenAPI document', () => {
  it('resolves every $ref to a schema it defines', () => {
    const refs = [...new Set(refsIn(doc.paths))];
    expect(refs.length).toBeGreaterThan(4);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      const name = ref.slice('#/components/schemas/'.length);
      expect(doc.components.schemas[name], ref).toBeDefined();
    }
  });

  it('gives every operation a summary, a tag, a success answer and its error answers', () => {
    for (const { name, op } of operations()) {
      expect(op.summary, name).toEqual(expect.any(String));
      expect(op.tags?.length, name).toBeGreaterThan(0);
      const codes = Object.keys(op.responses);
      expect(
        codes.some((c) => c.startsWith('2')),
        name,
      ).toBe(true);
      const needsKey = op.security === undefined || op.security.length > 0;
      if (needsKey && name.includes(' /v1/')) {
        expect(codes, name).toEqual(expect.arrayContaining(['401', '429', '503']));
        // every error answer is a Problem
        for (const code of codes.filter((c) => c >= '400')) {
          const schema = op.responses[code].content?.['application/json']?.schema;
          expect(schema?.$ref, `${name} ${code}`).toBe('#/components/schemas/Problem');
        }
      }
    }
  });

  it('gives POST /v1/datasets a body for each content type it takes: JSON, CSV, NDJSON, Parquet, Arrow', () => {
    const { requestBody, parameters } = doc.paths['/v1/datasets'].post;
    expect(Object.keys(requestBody.content).sort()).toEqual([
      'application/json',
      'application/vnd.apache.arrow.file',
      'application/vnd.apache.arrow.stream',
      'application/vnd.apache.parquet',
      'application/x-ndjson',
      'text/csv',
    ]);
    expect(requestBody.content['application/vnd.apache.parquet'].schema).toMatchObject({
      type: 'string',
    });
    expect(requestBody.content['text/csv'].schema).toMatchObject({ type: 'string' });
    expect(requestBody.content['application/x-ndjson'].schema).toMatchObject({ type: 'string' });
    const named = (ref: string) =>
      doc.components.schemas[ref.slice('#/components/schemas/'.length)];
    const [records, rows] = requestBody.content['application/json'].schema.anyOf.map(
      (s: { $ref: string }) => named(s.$ref),
    );
    expect(records).toMatchObject({ type: 'array', minItems: 1 });
    expect(records.examples[0][0]).toMatchObject({ Origin: 'USA' });
    const forms = rows.anyOf.map((form: { required: string[] }) => form.required.sort());
    expect(forms).toEqual([
      ['inputs', 'targets'],
      ['inputs', 'labels'],
    ]);
    expect(rows.examples[0]).toMatchObject({ labels: [0, 2] });
    expect(parameters.map((p: { name: string }) => p.name)).toEqual([
      'label',
      'task',
      'missing',
      'targets',
    ]);
  });

  it("documents a table's meta with its profile: every column type, the label, dropped rows", () => {
    const { schemas } = doc.components;
    const answer = doc.paths['/v1/datasets'].post.responses['201'].content['application/json'];
    expect(answer.schema.$ref).toBe('#/components/schemas/Dataset');
    expect(schemas.Dataset.anyOf).toEqual([
      { $ref: '#/components/schemas/TableDataset' },
      { $ref: '#/components/schemas/RowsDataset' },
      { $ref: '#/components/schemas/PendingDataset' },
    ]);
    // a big upload (issue 16): 202 with the same schema, processing first
    const later = doc.paths['/v1/datasets'].post.responses['202'].content['application/json'];
    expect(later.schema.$ref).toBe('#/components/schemas/Dataset');
    expect(schemas.PendingDataset.properties.status.enum).toEqual(['processing', 'failed']);
    const table = schemas.TableDataset;
    expect(table.required).toEqual(
      expect.arrayContaining(['format', 'columns', 'droppedRows', 'missingTokens']),
    );
    // a table uploaded without ?label= has none (issue 15: scored, not trained on)
    expect(table.required).not.toContain('label');
    expect(table.properties.label).toBeDefined();
    expect(table.properties.columns.items.$ref).toBe('#/components/schemas/ColumnProfile');
    const types = schemas.ColumnProfile.oneOf.flatMap(
      (c: { properties: { type: { const?: string; enum?: string[] } } }) =>
        c.properties.type.enum ?? [c.properties.type.const],
    );
    expect(types).toEqual([
      'numeric',
      'categorical',
      'boolean',
      'datetime',
      'text',
      'id',
      'ignored',
    ]);
  });

  it('shows examples of what a client sends and of a problem', () => {
    const body = (path: string) => {
      const ref: string = doc.paths[path].post.requestBody.content['application/json'].schema.$ref;
      return doc.components.schemas[ref.slice('#/components/schemas/'.length)];
    };
    expect(body('/v1/jobs').examples[0]).toMatchObject({ dataset: { builtin: 'iris' } });
    expect(body('/v1/models/{id}/predict').examples[0].inputs).toHaveLength(2);
    expect(doc.components.schemas.Problem.examples[0]).toMatchObject({ status: 400 });
  });
});
