// Prediction in protocols inference clients already speak, on the same cached models as
// POST /v1/models/:id/predict: the Open Inference Protocol v2 (KServe, Triton: /v2/…) and
// TensorFlow Serving's REST predict (/v1/models/<id>:predict). Deliberately not here: model
// versions, OIP's binary tensor extension, TF Serving's classify, regress, status and metadata.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { maxFloat32, rowsOf } from '../../data/index.js';
import { argmaxRows, outputSizeOf } from '../../engine/index.js';
import { type Issue, ValidationError } from '../../errors.js';
import { packageRoot } from '../../paths.js';
import { getModel, predictRows } from '../predict.js';
import { authProblems, idParams, problems } from '../schemas.js';
import type { CachedModel } from '../services.js';

// Every model has one input tensor, [-1, D0], and one output, [-1, K]; a classifier also answers
// its arg-max class per row as `class` (INT64 for numeric classes, else BYTES, i.e. strings).
const inputName = 'input';
const outputName = 'output';
const className = 'class';
const tfSignature = 'serving_default';

/** Issues, at most ten, thrown together. */
class Issues {
  readonly list: Issue[] = [];
  add(path: string, message: string): void {
    if (this.list.length < 10) this.list.push({ path, message });
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new ValidationError(this.list);
  }
}

/** "4 (sepal_length, …)": the width the model expects, for messages. */
function expectedWidth({ doc, model }: CachedModel): string {
  const names = doc.featureNames ? ` (${doc.featureNames.join(', ')})` : '';
  return `${model.shape.inputSize}${names}`;
}

function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 20));
  if (Array.isArray(value)) return 'a list';
  return value === null || typeof value !== 'object' ? String(value) : 'an object';
}

interface NumberKind {
  integer?: boolean;
  unsigned?: boolean;
}

/** Why `value` cannot be a feature, or null. */
function valueProblem(value: unknown, kind: NumberKind = {}): string | null {
  if (typeof value !== 'number') return `must be a number (got ${shown(value)})`;
  if (!Number.isFinite(value)) return `must be a finite number (got ${value})`;
  if (Math.abs(value) > maxFloat32)
    return 'is past ±3.4e38, the range of the 32-bit floats models compute in: scale it down';
  if (kind.integer && !Number.isInteger(value)) return 'must be a whole number, as its datatype';
  if (kind.unsigned && value < 0) return 'must not be negative, as its datatype';
  return null;
}

/** Appends `row` to `x` if it is a list of the model's width of valid features. */
function readRow(
  x: number[],
  row: unknown,
  path: string,
  cached: CachedModel,
  issues: Issues,
  kind?: NumberKind,
): void {
  const width = cached.model.shape.inputSize;
  if (!Array.isArray(row)) {
    issues.add(path, `must be a row: a list of ${expectedWidth(cached)} numbers`);
  } else if (row.length !== width) {
    issues.add(path, `has ${row.length} values; the model expects ${expectedWidth(cached)}`);
  } else {
    row.forEach((v, c) => {
      const why = valueProblem(v, kind);
      if (why) issues.add(`${path}.${c}`, why);
      else x.push(v as number);
    });
  }
}

function checkRowCount(rows: number, max: number, path: string, issues: Issues): void {
  if (rows === 0) issues.add(path, 'needs at least one row');
  if (rows > max) issues.add(path, `has ${rows} rows; send at most ${max} per request`);
}

// ---- Open Inference Protocol v2 -------------------------------------------------------------
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

// ---- TensorFlow Serving predict -------------------------------------------------------------
// https://www.tensorflow.org/tfx/serving/api_rest#predict_api

const tfPredictRequestSchema = z
  .strictObject({
    signature_name: z.string().optional(),
    instances: z
      .array(z.unknown())
      .optional()
      .describe(`row format: rows [[…], …], or objects {"${inputName}": […]}`),
    inputs: z
      .unknown()
      .optional()
      .describe(`columnar format: rows [[…], …], or {"${inputName}": [[…], …]}`),
  })
  .meta({
    id: 'TfPredictRequest',
    description: 'TensorFlow Serving predict: either instances (row format) or inputs (columnar)',
    examples: [
      {
        instances: [
          [5.1, 3.5, 1.4, 0.2],
          [6.7, 3.0, 5.2, 2.3],
        ],
      },
    ],
  });

const tfRows = z.array(z.array(z.number()));
const tfPredictResponseSchema = z
  .union([z.object({ predictions: tfRows }), z.object({ outputs: tfRows })])
  .meta({ id: 'TfPredictResponse', description: 'predictions for instances, outputs for inputs' });

type TfPredictRequest = z.infer<typeof tfPredictRequestSchema>;

/** The request's rows, flat, with the path of each row: instances.r, inputs.r or inputs.input.r. */
function readTfRows(body: TfPredictRequest, cached: CachedModel, maxRows: number) {
  const issues = new Issues();
  const { signature_name: signature, instances, inputs } = body;
  if (signature !== undefined && signature !== tfSignature)
    issues.add('signature_name', `is ${shown(signature)}; the model has one: ${tfSignature}`);
  if ((instances === undefined) === (inputs === undefined))
    issues.add('', 'send either instances (row format) or inputs (columnar format), one of them');
  issues.throwIfAny();
  // each row as [value, path]: a named input unwraps to its value
  const named = (value: unknown, path: string): [unknown, string] => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [value, path];
    for (const key of Object.keys(value).filter((k) => k !== inputName))
      issues.add(
        `${path}.${key}`,
        `is not an input of this model: its one input is "${inputName}"`,
      );
    return [(value as Record<string, unknown>)[inputName], `${path}.${inputName}`];
  };
  let rows: [unknown, string][] = [];
  if (instances !== undefined) {
    rows = instances.map((row, r) => named(row, `instances.${r}`));
    checkRowCount(rows.length, maxRows, 'instances', issues);
  } else {
    const [tensor, path] = named(inputs, 'inputs');
    if (!Array.isArray(tensor)) issues.add(path, `must be a list of rows (got ${shown(tensor)})`);
    else {
      rows = tensor.map((row, r) => [row, `${path}.${r}`]);
      checkRowCount(rows.length, maxRows, path, issues);
    }
  }
  issues.throwIfAny();
  const x: number[] = [];
  for (const [row, path] of rows) readRow(x, row, path, cached, issues);
  issues.throwIfAny();
  const rowIssue = (r: number, message: string) => ({ path: rows[r]![1], message });
  return { x, rows: rows.length, columnar: instances === undefined, rowIssue };
}

// ---- routes ---------------------------------------------------------------------------------

const errorNote =
  'Errors are problem+json whose `error` repeats `detail`, as OIP and TF Serving clients read `error`.';
const modelProblems = { 404: problems[404], ...authProblems, 503: problems[503] };

export async function protocolRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const version = (
    JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
  ).version;

  // Both protocols' clients read a failure's message from `error` ({"error": "..."} in each spec):
  // every problem+json these routes answer carries it beside `detail`.
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof payload !== 'string' || !String(type).startsWith('application/problem+json'))
      return payload;
    const problem = JSON.parse(payload) as { detail: string };
    return JSON.stringify({ ...problem, error: problem.detail });
  });

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

  // A literal ':' in a path is '::' to Fastify, but only after a parameter with a pattern: in
  // '/:id::predict' the parameter's name would swallow '::predict' (find-my-way 9).
  r.post('/v1/models/:id(^[\\w-]+)::predict', {
    schema: {
      summary: 'TensorFlow Serving predict: predictions for instances (rows), outputs for inputs',
      description: errorNote,
      tags: ['protocols'],
      params: idParams,
      body: tfPredictRequestSchema,
      response: { 200: tfPredictResponseSchema, 400: problems[400], ...modelProblems },
    },
    handler: async (request) => {
      const cached = await getModel(app, request.stores, request.params.id);
      const max = app.services.config.maxPredictRows;
      const { x, rows, columnar, rowIssue } = readTfRows(request.body, cached, max);
      const y = predictRows(cached, x, rows, rowIssue);
      const answer = rowsOf(y, rows, outputSizeOf(cached.model.shape));
      return columnar ? { outputs: answer } : { predictions: answer };
    },
  });
}
