// Models carried away and brought back as the native model file (src/spec/model-file.ts):
// GET /v1/models/:id/download writes one, POST /v1/models imports one as a new model of no job.
// The file's layout and checks are the spec's; this file is the HTTP around them.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { newId } from '../../ids.js';
import { exportOnnx, OnnxUnsupported } from '../../onnx/export.js';
import {
  decodeModelFile,
  encodeModelFile,
  modelFileType,
  modelNameSchema,
} from '../../spec/index.js';
import { fileDocumentOf, type StoredModel } from '../../store/index.js';
import { getModel } from '../predict.js';
import { authProblems, modelViewSchema, problemSchema, problems, refParams } from '../schemas.js';
import { modelView } from './models.js';

const fileTypes = [modelFileType, 'application/octet-stream'];

const fileSchema = z
  .string()
  .meta({ format: 'binary' })
  .describe('a model file: see "The model file" in the README');

const downloadQuery = z.strictObject({
  format: z
    .enum(['backprop', 'onnx'], { error: 'must be backprop or onnx' })
    .default('backprop')
    .describe(
      'backprop: the native model file; onnx: an ONNX model with the preprocessing inside (one input per column)',
    ),
});

const onnxType = 'application/onnx';

const importQuery = z.strictObject({
  name: modelNameSchema
    .optional()
    .describe('the name to register the model under: it becomes the next version of that name'),
});

// The ONNX model, or a 422 naming the column ONNX cannot express (never a wrong file).
function onnxOf(doc: Parameters<typeof exportOnnx>[0]): Uint8Array {
  try {
    return exportOnnx(doc);
  } catch (error) {
    if (error instanceof OnnxUnsupported) throw new AppError('not_exportable', error.message);
    throw error;
  }
}

export async function modelFileRoutes(app: FastifyInstance): Promise<void> {
  // a model file is as large as the largest upload the service takes (MAX_DATASET_BYTES)
  const { maxDatasetBytes } = app.services.config;
  app.addContentTypeParser(fileTypes, { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/models/:id/download', {
    schema: {
      summary: 'The model as one file: the native model file (weights as float32, checksummed)',
      description:
        '`backprop predict FILE rows.csv` runs it locally with the same outputs as the service; POST /v1/models imports it. The layout is in the README ("The model file").',
      tags: ['models'],
      params: refParams,
      querystring: downloadQuery,
      response: {
        200: {
          description: 'the model file, or the ONNX model',
          content: {
            [modelFileType]: { schema: fileSchema },
            [onnxType]: { schema: z.string().meta({ format: 'binary' }) },
          },
        },
        400: problems[400],
        404: problems[404],
        422: problemSchema.describe(
          'the model has a part ONNX cannot express (a datetime column): the detail names it',
        ),
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const { doc } = await getModel(app, request.stores, request.params.id);
      const { id, name, version } = doc;
      const document = fileDocumentOf(doc);
      const base = name && version ? `${name}-${version}` : id;
      const onnx = request.query.format === 'onnx';
      reply
        .type(onnx ? onnxType : modelFileType)
        .header(
          'content-disposition',
          `attachment; filename="${base}.${onnx ? 'onnx' : 'bpmodel'}"`,
        );
      // a model saved since issue 16 is its file in the blob store: its bytes, streamed as stored
      const stored = onnx ? null : await request.stores.models.file(id);
      if (stored)
        return reply
          .header('content-length', stored.bytes)
          .send(stored.stream as unknown as string);
      const file = onnx ? onnxOf(document) : encodeModelFile(document);
      // bytes are sent as they are (no serializer); the schema's string is the document's
      return reply.send(
        Buffer.from(file.buffer, file.byteOffset, file.byteLength) as unknown as string,
      );
    },
  });

  r.post('/v1/models', {
    bodyLimit: maxDatasetBytes,
    schema: {
      summary: 'Import a model file (from GET /v1/models/:id/download) as a new model',
      description:
        'The body is the file as downloaded (application/vnd.backprop.model or application/octet-stream). Its checksum, header and weight shapes are verified; a truncated or corrupt file is a 400 naming what is wrong, and nothing is stored. The model gets a new id and no job.',
      tags: ['models'],
      querystring: importQuery,
      documentedBody: { content: { [modelFileType]: { schema: fileSchema } } },
      response: {
        201: modelViewSchema,
        400: problems[400],
        413: problems[413],
        415: problems[415],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      if (!Buffer.isBuffer(request.body))
        throw new AppError(
          'unsupported_media_type',
          `content-type ${request.headers['content-type'] ?? '(none)'} is not a model file: send the downloaded file as ${modelFileType}`,
        );
      const doc = decodeModelFile(request.body);
      const { name } = request.query;
      const model: StoredModel = {
        ...doc,
        id: newId(),
        importedAt: new Date().toISOString(),
        ...(name ? { name } : {}),
      };
      const stores = request.stores;
      // the file's bytes, as the model will take them (its weights a blob, the rest a record)
      await stores.usage.check(request.body.byteLength, 'importing this model');
      const stored = await stores.models.add(model);
      const view = await modelView(stores, stored);
      return reply.code(201).header('location', `/v1/models/${model.id}`).send(view);
    },
  });
}
