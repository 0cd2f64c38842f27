// Uploaded datasets: JSON rows ({inputs, targets} or {inputs, labels}) or a CSV body
// (content-type text/csv, ?label=column or ?targets=a,b), stored once and trained on by id.
import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readCsvStream, type StreamLimits } from '../../data/csv-stream.js';
import type { DataRows } from '../../data/index.js';
import { loadDataset } from '../../data/resolve.js';
import { AppError, ValidationError } from '../../errors.js';
import { datasetSchema, parseOrThrow } from '../../spec/index.js';
import { checkStoredSize } from '../../store/index.js';
import {
  authProblems,
  datasetMetaSchema,
  datasetUploadSchema,
  idParams,
  problems,
} from '../schemas.js';

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

// A CSV body is the request stream, read by the handler as it arrives (not buffered whole);
// wrapped, so that a JSON string sent as application/json is not taken for CSV.
class CsvBody {
  constructor(readonly stream: Readable) {}
}

async function readCsvUpload(
  body: CsvBody,
  query: z.infer<typeof uploadQuery>,
  limits: StreamLimits,
): Promise<DataRows> {
  if (!query.label && !query.targets) {
    throw new ValidationError([
      {
        path: 'query.label',
        message: 'say which column is the class (?label=column) or the targets (?targets=a,b)',
      },
    ]);
  }
  const options = {
    ...(query.label ? { label: query.label } : {}),
    ...(query.targets ? { targets: query.targets.split(',').map((t) => t.trim()) } : {}),
  };
  return readCsvStream(body.stream, options, limits);
}

// JSON rows: refused past MAX_DATASET_CELLS before their arrays are made, labels kept as indices.
function readJsonUpload(body: unknown, maxCells: number): DataRows {
  // Not the job spec's "give one of" list: {builtin}, {generator} and {id} are no uploads.
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ValidationError([{ path: '', message: uploadForms }]);
  const spec = parseOrThrow(datasetSchema, body);
  if (!('inputs' in spec)) throw new ValidationError([{ path: '', message: uploadForms }]);
  try {
    return loadDataset(spec, { allowFiles: false, maxCells });
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
  const { maxDatasetBytes, maxDatasetCells, maxDatasetStoredBytes } = app.services.config;
  const limits = { maxBytes: maxDatasetBytes, maxCells: maxDatasetCells };
  // no parseAs: the handler streams the body, and counts its bytes against MAX_DATASET_BYTES
  app.addContentTypeParser(['text/csv', 'application/csv'], (request, payload, done) => {
    if (Number(request.headers['content-length']) > maxDatasetBytes) {
      const limit = `the limit of ${maxDatasetBytes} bytes (MAX_DATASET_BYTES)`;
      return done(new AppError('payload_too_large', `the body is larger than ${limit}`));
    }
    done(null, new CsvBody(payload));
  });
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/v1/datasets', {
    bodyLimit: maxDatasetBytes,
    schema: {
      summary: 'Upload a dataset',
      description:
        'JSON `{inputs, targets}` or `{inputs, labels}`, or CSV text (content-type text/csv) with a header row and `?label=column` (classification) or `?targets=a,b` (regression).',
      tags: ['datasets'],
      querystring: uploadQuery,
      // for the document only (app.ts): Fastify does not validate it, as a CSV body is a stream
      // and a JSON one is checked by the handler, which names the upload forms
      documentedBody: {
        content: {
          'application/json': { schema: datasetUploadSchema },
          'text/csv': {
            schema: z
              .string()
              .describe(
                'a header row, then one row per instance; ?label= or ?targets= names the outputs',
              ),
          },
        },
      },
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
      const { body } = request;
      let data: DataRows;
      try {
        data =
          body instanceof CsvBody
            ? await readCsvUpload(body, request.query, limits)
            : readJsonUpload(body, maxDatasetCells);
      } catch (error) {
        // the rest of a refused upload is not read: the client must not send it on this connection
        if (body instanceof CsvBody && !body.stream.readableEnded)
          reply.header('connection', 'close');
        throw error;
      }
      checkStoredSize(data, maxDatasetStoredBytes);
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
