// Uploaded datasets: a table (CSV, JSON records, NDJSON, Parquet or Arrow IPC with ?label=COLUMN;
// issues 14 and 16) profiled and stored encoded, or numeric rows (JSON {inputs, targets} or
// {inputs, labels}, CSV with ?targets=a,b) stored as float32; stored once and trained on by id.
// A streamed upload past DATASET_INLINE_BYTES is not read here: it goes into the blob store as it
// arrives and a worker reads it (202, `processing`; issue 16). Listed, shown and deleted. The
// body's forms and their refusals are data/dataset-upload.ts's.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type BodyHead,
  checkUploadQuery,
  headOf,
  readUpload,
  StreamBody,
  type UploadQuery,
  uploadQuery,
} from '../../data/dataset-upload.js';
import { AppError } from '../../errors.js';
import { BlobTooLargeError } from '../../store/blobs/index.js';
import {
  checkStoredSize,
  type DatasetMeta,
  type PendingDatasetMeta,
  type UploadKind,
} from '../../store/index.js';
import { decodedBody } from '../body-encoding.js';
import {
  authProblems,
  datasetListQuery,
  datasetListSchema,
  datasetMetaSchema,
  datasetUploadSchema,
  idParams,
  problems,
  tableRecordsSchema,
} from '../schemas.js';

const streamTypes = {
  csv: ['text/csv', 'application/csv'],
  ndjson: ['application/x-ndjson', 'application/jsonl'],
  parquet: ['application/vnd.apache.parquet', 'application/x-parquet'],
  arrow: ['application/vnd.apache.arrow.file', 'application/vnd.apache.arrow.stream'],
} as const;

export async function datasetRoutes(app: FastifyInstance): Promise<void> {
  const {
    maxDatasetBytes,
    maxDatasetCells,
    maxDatasetStoredBytes,
    maxDatasetJsonBytes,
    datasetInlineBytes,
  } = app.services.config;
  const limits = { maxBytes: maxDatasetBytes, maxCells: maxDatasetCells };
  // no parseAs: the handler streams the body, and counts its bytes against MAX_DATASET_BYTES
  for (const kind of ['csv', 'ndjson', 'parquet', 'arrow'] as const) {
    app.addContentTypeParser([...streamTypes[kind]], (request, payload, done) => {
      if (Number(request.headers['content-length']) > maxDatasetBytes) {
        const limit = `the limit of ${maxDatasetBytes} bytes (MAX_DATASET_BYTES)`;
        return done(new AppError('payload_too_large', `the body is larger than ${limit}`));
      }
      done(null, new StreamBody(kind, payload));
    });
  }
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/v1/datasets', {
    // JSON bodies are parsed whole; streamed ones are counted against MAX_DATASET_BYTES as they come
    bodyLimit: maxDatasetJsonBytes,
    config: { bodyLimitSetting: 'MAX_DATASET_JSON_BYTES' },
    // content-encoding: gzip is decompressed as it arrives, MAX_DATASET_BYTES counted decompressed
    preParsing: async (request, _reply, payload) =>
      decodedBody(payload, request.headers['content-encoding'], maxDatasetBytes),
    schema: {
      summary: 'Upload a dataset',
      description: [
        'A table, profiled: CSV with a header row (text/csv), JSON records `[{"column": value, …}]` (application/json) NDJSON, one record a line (application/x-ndjson), Parquet (application/vnd.apache.parquet) or Arrow IPC (application/vnd.apache.arrow.file or .stream), with `?label=COLUMN`; the type a Parquet or Arrow file declares for a column is used (numbers numeric, booleans boolean, timestamps and dates datetime, strings categorical, text or id); every column is typed and described, and rows whose label is missing are dropped and counted (`droppedRows`).',
        'Or numeric rows as before: JSON `{inputs, targets}` or `{inputs, labels}`, or a CSV of numbers with `?targets=a,b` (regression).',
        'Any of them may be sent with `content-encoding: gzip`: decompressed as it streams in, MAX_DATASET_BYTES counted on the decompressed bytes (413); a body that is not valid gzip is a 400, another content-encoding a 415.',
      ].join(' '),
      tags: ['datasets'],
      querystring: uploadQuery,
      // for the document only (app.ts): Fastify does not validate it, as CSV and NDJSON bodies
      // are streams and a JSON one is checked by the handler, which names the upload forms
      documentedBody: {
        content: {
          'application/json': { schema: z.union([tableRecordsSchema, datasetUploadSchema]) },
          'text/csv': {
            schema: z
              .string()
              .describe(
                'a header row, then one row per instance; ?label= names the column to predict (or ?targets= the regression targets of a CSV of numbers)',
              ),
          },
          'application/x-ndjson': {
            schema: z.string().describe('one JSON record {"column": value, …} a line'),
          },
          'application/vnd.apache.parquet': {
            schema: z
              .string()
              .describe('a Parquet file (any codec), its columns typed as declared'),
          },
          'application/vnd.apache.arrow.file': {
            schema: z
              .string()
              .describe('an Arrow IPC file (Feather v2), its columns typed as declared'),
          },
          'application/vnd.apache.arrow.stream': {
            schema: z.string().describe('an Arrow IPC stream, its columns typed as declared'),
          },
        },
      },
      response: {
        201: datasetMetaSchema,
        202: datasetMetaSchema.describe(
          'a big upload (past DATASET_INLINE_BYTES): stored, and being read by a worker (status processing); GET its Location until ready or failed',
        ),
        400: problems[400],
        413: problems[413],
        415: problems[415],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      let { body } = request;
      const stores = request.stores.datasets;
      // a streamed upload past DATASET_INLINE_BYTES goes to the blob store and a worker
      if (body instanceof StreamBody) {
        const head = await headOf(body.stream, Math.min(datasetInlineBytes, maxDatasetBytes));
        if (!head.whole) return readLater(request, request.query, reply, body.kind, head);
        body = new StreamBody(body.kind, head.all());
      }
      let upload: Awaited<ReturnType<typeof readUpload>>;
      try {
        upload = await readUpload(body, request.query, limits);
      } catch (error) {
        // the rest of a refused upload is not read: the client must not send it on this connection
        if (body instanceof StreamBody && !body.stream.readableEnded)
          reply.header('connection', 'close');
        throw error;
      }
      let meta: DatasetMeta;
      if ('table' in upload) meta = await stores.saveTable(upload.table, maxDatasetStoredBytes);
      else {
        checkStoredSize(upload.rows, maxDatasetStoredBytes);
        meta = await stores.save(upload.rows);
      }
      return reply.code(201).header('location', `/v1/datasets/${meta.id}`).send(meta);
    },
  });

  // A big upload: streamed into the blob store (hashed and counted as it arrives, refused past
  // MAX_DATASET_BYTES with nothing kept), recorded `processing` and queued for a worker to read.
  async function readLater(
    request: FastifyRequest,
    query: UploadQuery,
    reply: FastifyReply,
    kind: UploadKind,
    head: BodyHead,
  ) {
    const { datasetQueue } = app.services;
    const refuse = (error: unknown) => {
      reply.header('connection', 'close'); // the rest is not read
      return error;
    };
    try {
      checkUploadQuery(kind, query);
      await request.stores.usage.check(0, 'a new dataset');
    } catch (error) {
      throw refuse(error);
    }
    const stores = request.stores.datasets;
    let meta: PendingDatasetMeta;
    try {
      meta = await stores.createPending(head.all(), kind, maxDatasetBytes);
    } catch (error) {
      if (!(error instanceof BlobTooLargeError)) throw error;
      const limit = `the limit of ${maxDatasetBytes} bytes (MAX_DATASET_BYTES)`;
      throw refuse(new AppError('payload_too_large', `the body is larger than ${limit}`));
    }
    const job = { tenant: request.stores.keys.tenant, datasetId: meta.id, kind, query };
    try {
      // one read per dataset; BullMQ refuses ':' in a custom job id, tenants have no '.'
      await datasetQueue.add('read', job, { jobId: `${job.tenant}.${meta.id}` });
    } catch (error) {
      await stores.delete(meta.id).catch(() => false);
      throw new AppError(
        'unavailable',
        `the upload could not be queued for reading (${(error as Error).message}): send it again`,
      );
    }
    return reply.code(202).header('location', `/v1/datasets/${meta.id}`).send(meta);
  }

  r.get('/v1/datasets', {
    schema: {
      summary: 'Your uploaded datasets, newest first',
      description:
        "Each dataset's meta as GET /v1/datasets/:id shows it (a table's profile included), a page at a time: pass `nextCursor` as `cursor` for the next. `status=processing` lists the big uploads workers are still reading. Datasets uploaded before the list existed (issue 16) are found by their id only; rows sent inline with a job are not listed (they go with the job).",
      tags: ['datasets'],
      querystring: datasetListQuery,
      response: { 200: datasetListSchema, 400: problems[400], ...authProblems, 503: problems[503] },
    },
    handler: async (request) => request.stores.datasets.list(request.query),
  });

  r.get('/v1/datasets/:id', {
    schema: {
      summary: "A dataset's shape and classes, and a table's profile (not its rows)",
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
