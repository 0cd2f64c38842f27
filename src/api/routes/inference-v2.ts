// The Open Inference Protocol v2 (KServe, Triton), on the same cached models as
// POST /v1/models/:id/predict: health, server and model metadata, model ready, and infer.
// Deliberately not here: model versions, the binary tensor extension.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { argmaxRows, outputSizeOf } from '../../engine/index.js';
import { packageRoot } from '../../paths.js';
import {
  addErrorField,
  checkRowCount,
  errorNote,
  expectedWidth,
  getModel,
  Issues,
  inputName,
  modelProblems,
  predictRows,
  readRow,
  shown,
  valueProblem,
} from '../predict.js';
import { idParams, problems } from '../schemas.js';
import type { CachedModel } from '../services.js';

// Every model has one input tensor, [-1, D0], and one output, [-1, K]; a classifier also answers
// its arg-max class per row as `class` (INT64 for numeric classes, else BYTES, i.e. strings).
const outputName = 'output';
const className = 'class';

// https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol

const parameters = z.record(z.string(), z.unknown()).optional();
const tensorMeta = z.object({
  name: z.string(),
  datatype: z.string(),
  shape: z.array(z.number().int()),
});
// JSON carries every numeric datatype as numbers; the model computes in FP32 whatever comes.
const numericDatatype = /^(FP(16|32|64)|U?INT(8|16|32|64))$/;

const inferRequestSchema = z
  .strictObject({
    id: z.string().optional(),
    parameters,
    inputs: z
      .array(
        z.strictObject({
          name: z.string(),
          shape: z.array(z.number().int().min(0)),
          datatype: z.string(),
          parameters,
          data: z
            .array(z.unknown())
            .describe('row-major: flat, or nested as rows of the shape (both are in the spec)'),
        }),
      )
      .min(1, 'needs the input tensor'),
    outputs: z.array(z.strictObject({ name: z.string(), parameters })).optional(),
  })
  .meta({
    id: 'InferRequest',
    description: `One input tensor (any name) of shape [rows, D0], datatype FP32; outputs "${outputName}" and, for classifiers, "${className}"`,
    examples: [
      {
        id: '42',
        inputs: [
          {
            name: inputName,
            shape: [2, 4],
            datatype: 'FP32',
            data: [5.1, 3.5, 1.4, 0.2, 6.7, 3, 5.2, 2.3],
          },
        ],
        outputs: [{ name: outputName }],
      },
    ],
  });

const inferResponseSchema = z
  .object({
    model_name: z.string(),
    id: z.string().optional(),
    outputs: z.array(tensorMeta.extend({ data: z.array(z.union([z.number(), z.string()])) })),
  })
  .meta({ id: 'InferResponse' });

/** The model's output tensors, shapes with -1 for the batch. */
function outputsOf({ doc, model }: CachedModel): z.infer<typeof tensorMeta>[] {
  const outputs = [{ name: outputName, datatype: 'FP32', shape: [-1, outputSizeOf(model.shape)] }];
  if (doc.classes) {
    const numeric = doc.classes.every((c) => typeof c === 'number');
    outputs.push({ name: className, datatype: numeric ? 'INT64' : 'BYTES', shape: [-1] });
  }
  return outputs;
}

type OutputTensor = z.infer<typeof inferResponseSchema>['outputs'][number];

/** The output tensors of `rows` rows by name: outputs row-major, and the arg-max class. */
function outputTensors(
  cached: CachedModel,
  y: Float32Array,
  rows: number,
): Map<string, OutputTensor> {
  const n = outputSizeOf(cached.model.shape);
  const tensors = new Map<string, OutputTensor>([
    [outputName, { name: outputName, datatype: 'FP32', shape: [rows, n], data: Array.from(y) }],
  ]);
  const classes = cached.doc.classes;
  const meta = outputsOf(cached).find((o) => o.name === className);
  if (classes && meta) {
    const picked = Array.from(argmaxRows(y, rows, n), (c) => classes[c]!);
    const data = meta.datatype === 'BYTES' ? picked.map(String) : picked;
    tensors.set(className, { ...meta, shape: [rows], data });
  }
  return tensors;
}

type InferInput = z.infer<typeof inferRequestSchema>['inputs'][number];

/** The input tensor's rows, flat, after checking its datatype, shape and data against the model. */
function readInput(input: InferInput, cached: CachedModel, maxRows: number) {
  const at = 'inputs.0';
  const width = cached.model.shape.inputSize;
  const issues = new Issues();
  const { datatype, shape, data } = input;
  if (!numericDatatype.test(datatype))
    issues.add(
      `${at}.datatype`,
      `is ${shown(datatype)}; send FP32 (FP64 and INT types are taken too)`,
    );
  if (shape.length !== 2) {
    issues.add(`${at}.shape`, `is [${shape.join(', ')}]; send [rows, ${width}]: a batch of rows`);
  } else {
    if (shape[1] !== width)
      issues.add(`${at}.shape.1`, `is ${shape[1]}; the model expects ${expectedWidth(cached)}`);
    checkRowCount(shape[0]!, maxRows, `${at}.shape.0`, issues);
  }
  issues.throwIfAny();
  const rows = shape[0]!;
  const kind = { integer: datatype.includes('INT'), unsigned: datatype.startsWith('U') };
  const nested = data.length > 0 && data.every(Array.isArray);
  const x: number[] = [];
  if (nested && data.length !== rows) {
    issues.add(`${at}.data`, `has ${data.length} rows; its shape says ${rows}`);
  } else if (nested) {
    data.forEach((row, r) => readRow(x, row, `${at}.data.${r}`, cached, issues, kind));
  } else if (data.length !== rows * width) {
    issues.add(
      `${at}.data`,
      `has ${data.length} values; shape [${rows}, ${width}] needs ${rows * width}`,
    );
  } else {
    data.forEach((v, i) => {
      const why = valueProblem(v, kind);
      if (why) issues.add(`${at}.data.${i}`, why);
      else x.push(v as number);
    });
  }
  issues.throwIfAny();
  const rowIssue = nested
    ? (r: number, message: string) => ({ path: `${at}.data.${r}`, message })
    : (r: number, message: string) => ({ path: `${at}.data`, message: `row ${r} ${message}` });
  return { x, rows, rowIssue };
}

export async function inferenceV2Routes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const version = (
    JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
  ).version;
  addErrorField(app);

  r.get('/v2/health/live', {
    config: { public: true },
    schema: {
      summary: 'OIP server live: the process answers',
      tags: ['protocols'],
      security: [],
      response: { 200: z.object({ live: z.literal(true) }) },
    },
    handler: async () => ({ live: true as const }),
  });

  r.get('/v2/health/ready', {
    config: { public: true },
    schema: {
      summary: 'OIP server ready: Redis answers (503 otherwise)',
      tags: ['protocols'],
      security: [],
      response: {
        200: z.object({ ready: z.literal(true) }),
        503: z.object({ ready: z.literal(false), error: z.string() }),
      },
    },
    handler: async (_request, reply) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          app.services.redis.ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('no answer within 1 s')), 1000);
          }),
        ]);
        return { ready: true as const };
      } catch (err) {
        return reply
          .code(503)
          .send({ ready: false as const, error: `Redis: ${(err as Error).message}` });
      } finally {
        clearTimeout(timer);
      }
    },
  });

  r.get('/v2', {
    config: { public: true },
    schema: {
      summary: 'OIP server metadata',
      tags: ['protocols'],
      security: [],
      response: {
        200: z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) }),
      },
    },
    handler: async () => ({ name: 'backprop-service', version, extensions: [] }),
  });

  r.get('/v2/models/:id', {
    schema: {
      summary: `OIP model metadata: input "${inputName}" [-1, D0] FP32; output "${outputName}" [-1, K] FP32, and "${className}" [-1] for classifiers`,
      description: errorNote,
      tags: ['protocols'],
      params: idParams,
      response: {
        200: z.object({
          name: z.string(),
          versions: z.array(z.string()),
          platform: z.string(),
          inputs: z.array(tensorMeta),
          outputs: z.array(tensorMeta),
        }),
        400: problems[400],
        ...modelProblems,
      },
    },
    handler: async (request) => {
      const { id } = request.params;
      const cached = await getModel(app, request.stores, id);
      return {
        name: id,
        versions: [],
        platform: 'backprop',
        inputs: [{ name: inputName, datatype: 'FP32', shape: [-1, cached.model.shape.inputSize] }],
        outputs: outputsOf(cached),
      };
    },
  });

  r.get('/v2/models/:id/ready', {
    schema: {
      summary: 'OIP model ready: the model exists and loads (404 otherwise)',
      description: errorNote,
      tags: ['protocols'],
      params: idParams,
      response: {
        200: z.object({ name: z.string(), ready: z.boolean() }),
        400: problems[400],
        ...modelProblems,
      },
    },
    handler: async (request) => {
      await getModel(app, request.stores, request.params.id);
      return { name: request.params.id, ready: true };
    },
  });

  r.post('/v2/models/:id/infer', {
    schema: {
      summary: 'OIP inference: outputs (and classes, for classifiers) for a batch of raw rows',
      description: errorNote,
      tags: ['protocols'],
      params: idParams,
      body: inferRequestSchema,
      response: { 200: inferResponseSchema, 400: problems[400], ...modelProblems },
    },
    handler: async (request) => {
      const { id } = request.params;
      const cached = await getModel(app, request.stores, id);
      const body = request.body;
      const available = outputsOf(cached);
      const names = available.map((o) => `"${o.name}"`).join(' and ');
      const issues = new Issues();
      if (body.inputs.length > 1)
        issues.add(
          'inputs',
          `has ${body.inputs.length} tensors; the model has one input: send one`,
        );
      body.outputs?.forEach((o, i) => {
        if (!available.some((a) => a.name === o.name))
          issues.add(`outputs.${i}.name`, `is not an output of this model: it has ${names}`);
      });
      issues.throwIfAny();
      const { x, rows, rowIssue } = readInput(
        body.inputs[0]!,
        cached,
        app.services.config.maxPredictRows,
      );
      const tensors = outputTensors(cached, predictRows(cached, x, rows, rowIssue), rows);
      const wanted = body.outputs?.map((o) => o.name) ?? available.map((o) => o.name);
      return {
        model_name: id,
        ...(body.id === undefined ? {} : { id: body.id }),
        outputs: wanted.map((name) => tensors.get(name)!),
      };
    },
  });
}
