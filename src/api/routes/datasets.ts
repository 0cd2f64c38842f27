// Uploaded datasets: JSON rows ({inputs, targets} or {inputs, labels}) or a CSV body
// (content-type text/csv, ?label=column or ?targets=a,b), stored once and trained on by id.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseCsv } from '../../data/csv.js';
import { loadDataset } from '../../data/resolve.js';
import { AppError, ValidationError } from '../../errors.js';
import { datasetSchema, parseOrThrow } from '../../spec/index.js';
import { authProblems, datasetMetaSchema, idParams, problems } from '../schemas.js';

const uploadQuery = z.strictObject({
  label: z.string().min(1).max(200).optional().describe('CSV: the column holding the class'),
  targets: z
    .string()
    .min(1)
    .max(2000)
    .optional()
    .describe('CSV: comma-separated regression target columns'),
});

const uploadForms =
  'upload rows: {inputs, targets} or {inputs, labels}, or a CSV body with content-type text/csv';

// CSV text arrives wrapped, so that a JSON string sent as application/json is not read as CSV.
class CsvBody {
  constructor(readonly text: string) {}
}

function parseUpload(body: unknown, query: z.infer<typeof uploadQuery>) {
  if (body instanceof CsvBody) {
    if (!query.label && !query.targets) {
      throw new ValidationError([
        {
          path: 'query.label',
          message: 'say which column is the class (?label=column) or the targets (?targets=a,b)',
        },
      ]);
    }
    return parseCsv(body.text, {
      ...(query.label ? { label: query.label } : {}),
      ...(query.targets ? { targets: query.targets.split(',').map((t) => t.trim()) } : {}),
    });
  }
  // Not the job spec's "give one of" list: {builtin}, {generator} and {id} are no uploads.
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ValidationError([{ path: '', message: uploadForms }]);
  const spec = parseOrThrow(datasetSchema, body);
  if (!('inputs' in spec)) throw new ValidationError([{ path: '', message: uploadForms }]);
  try {
    return loadDataset(spec, { allowFiles: false });
  } catch (error) {
    // loadDataset names fields under `dataset`; here the body is the dataset
    if (error instanceof ValidationError) {
      throw new ValidationError(
        error.issues.map((i) => ({ ...i, path: i.path.replace(/^dataset\.?/, '') })),
      );
    }
    throw error;
  }
}

export async function datasetRoutes(app: FastifyInstance): Promise<void> {
  const { maxDatasetBytes } = app.services.config;
  app.addContentTypeParser(
    ['text/csv', 'application/csv'],
    { parseAs: 'string', bodyLimit: maxDatasetBytes },
    (_req, body, done) => done(null, new CsvBody(body as string)),
  );
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/v1/datasets', {
    bodyLimit: maxDatasetBytes,
    schema: {
      summary: 'Upload a dataset',
      description:
        'JSON `{inputs, targets}` or `{inputs, labels}`, or CSV text (content-type text/csv) with a header row and `?label=column` (classification) or `?targets=a,b` (regression).',
      tags: ['datasets'],
      querystring: uploadQuery,
      response: {
        201: datasetMetaSchema,
        400: problems[400],
        413: problems[413],
        415: problems[415],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const data = parseUpload(request.body, request.query);
      const meta = await request.stores.datasets.save(data);
      return reply.code(201).header('location', `/v1/datasets/${meta.id}`).send(meta);
    },
  });

  r.get('/v1/datasets/:id', {
    schema: {
      summary: "A dataset's shape and classes (not its rows)",
      tags: ['datasets'],
      params: idParams,
      response: { 200: datasetMetaSchema, 404: problems[404], ...authProblems, 503: problems[503] },
    },
    handler: async (request) => {
      const meta = await request.stores.datasets.meta(request.params.id);
      if (!meta) throw new AppError('not_found', `no dataset has id ${request.params.id}`);
      return meta;
    },
  });

  r.delete('/v1/datasets/:id', {
    schema: {
      summary: 'Delete a dataset',
      tags: ['datasets'],
      params: idParams,
      response: {
        204: z.undefined().describe('deleted'),
        404: problems[404],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      if (!(await request.stores.datasets.delete(request.params.id))) {
        throw new AppError('not_found', `no dataset has id ${request.params.id}`);
      }
      return reply.code(204).send();
    },
  });
}
