// The Open Inference Protocol v2 (KServe, Triton), on the same cached models as
// POST /v1/models/:id/predict: health, server and model metadata, model ready, and infer, each
// for a model by reference (/v2/models/<ref>/…) or by name and version (/v2/models/NAME/versions/N/…).
// Deliberately not here: the binary tensor extension; the tensors (oip-tensors.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { packageRoot } from '../../paths.js';
import type { Stores } from '../../store/index.js';
import { columnInputs, readColumnInputs } from '../oip-columns.js';
import {
  answerTensors,
  className,
  inferRequestSchema,
  inferResponseSchema,
  outputName,
  outputsOf,
  outputTensors,
  readInput,
  tensorMeta,
} from '../oip-tensors.js';
import {
  addErrorField,
  errorNote,
  getModel,
  Issues,
  inputName,
  modelProblems,
  type PredictEndpoint,
  predictLogLevel,
  predictRows,
  predictWith,
} from '../predict.js';
import { replayLaneBody } from '../predict-lane.js';
import { nameOfParams, problems, refOfParams, refParams, versionParams } from '../schemas.js';
import { predictTable, tableOf } from '../table-predict.js';

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

  // Each model route by reference (/v2/models/<ref>/…) and by version (/v2/models/NAME/versions/N/…)
  for (const { path, params, by } of oipModelPaths) {
    r.get(path, {
      schema: {
        summary: `OIP model metadata${by}: input "${inputName}" [-1, D0] FP32 (a table model: one input per column); output "${outputName}" [-1, K] FP32, and "${className}" [-1] for classifiers`,
        description: `${errorNote}\n\nA model trained on a table lists one input per column, named as the column, shape [-1]: FP32 for numbers, BYTES for categories and dates (strings), BOOL for booleans. Send a missing cell as null (or "" in BYTES); a column left out is missing in every row. A named model lists its name's versions, each of which /v2/models/NAME/versions/N serves.`,
        tags: ['protocols'],
        params,
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
        const cached = await getModel(app, request.stores, refOfParams(request.params));
        const table = tableOf(cached);
        return {
          name: nameOfParams(request.params),
          versions: await versionsOf(request.stores, cached.doc.name),
          platform: 'backprop',
          inputs: table
            ? columnInputs(table)
            : [{ name: inputName, datatype: 'FP32', shape: [-1, cached.model.shape.inputSize] }],
          outputs: outputsOf(cached),
        };
      },
    });

    r.get(`${path}/ready`, {
      schema: {
        summary: `OIP model ready${by}: the model exists and loads (404 otherwise)`,
        description: errorNote,
        tags: ['protocols'],
        params,
        response: {
          200: z.object({ name: z.string(), ready: z.boolean() }),
          400: problems[400],
          ...modelProblems,
        },
      },
      handler: async (request) => {
        await getModel(app, request.stores, refOfParams(request.params));
        return { name: nameOfParams(request.params), ready: true };
      },
    });

    r.post(`${path}/infer`, {
      logLevel: predictLogLevel,
      preParsing: replayLaneBody,
      schema: {
        summary: `OIP inference${by}: outputs (and classes, for classifiers) for a batch of raw rows`,
        description: `${errorNote}\n\nThe answer's model_version is the version that answered, for a named model.`,
        tags: ['protocols'],
        params,
        body: inferRequestSchema,
        response: { 200: inferResponseSchema, 400: problems[400], ...modelProblems },
      },
      handler: async (request) => predictWith(app, oipInfer, request),
    });
  }
}

/** The paths that name a model: a reference (an id, NAME, NAME@VERSION, NAME@ALIAS), or OIP's own form. */
const oipModelPaths = [
  { path: '/v2/models/:id', params: refParams, by: '' }, // its /infer is oipInfer.url, the lane's
  { path: '/v2/models/:name/versions/:version', params: versionParams, by: ' by version' },
] as const;

/** A named model's versions, oldest first, as OIP lists them (strings); none for an unnamed one. */
async function versionsOf(stores: Stores, name: string | undefined): Promise<string[]> {
  const record = name ? await stores.models.name(name) : null;
  return record ? record.versions.map((v) => String(v.version)).reverse() : [];
}

/** POST /v2/models/:id/infer, the Open Inference Protocol's inference (the lane's, by id). */
export const oipInfer: PredictEndpoint<
  z.infer<typeof inferRequestSchema>,
  z.infer<typeof inferResponseSchema>
> = {
  url: '/v2/models/:id/infer',
  path: /^\/v2\/models\/([\w-]{1,64})\/infer$/,
  body: inferRequestSchema,
  async answer(app, cached, id, body) {
    const available = outputsOf(cached);
    const table = tableOf(cached);
    const issues = new Issues();
    if (body.inputs.length > 1 && !table)
      issues.add('inputs', `has ${body.inputs.length} tensors; the model has one input: send one`);
    body.outputs?.forEach((o, i) => {
      if (available.some((a) => a.name === o.name)) return;
      const names = available.map((a) => `"${a.name}"`).join(' and ');
      issues.add(`outputs.${i}.name`, `is not an output of this model: it has ${names}`);
    });
    issues.throwIfAny();
    const max = app.services.config.maxPredictRows;
    let tensors: ReturnType<typeof outputTensors>;
    let warnings: string[] = [];
    if (table) {
      const { records, place } = readColumnInputs(body.inputs, table, max);
      const answer = await predictTable(app, cached, table, records, place);
      tensors = answerTensors(cached, answer);
      warnings = answer.warnings;
    } else {
      const { x, rows, rowIssue } = readInput(body.inputs[0]!, cached, max);
      const y = await predictRows(app, cached, x, rows, rowIssue);
      tensors = outputTensors(cached, y, rows);
    }
    const wanted = body.outputs?.map((o) => o.name) ?? available.map((o) => o.name);
    const { version } = cached.doc;
    return {
      model_name: id,
      ...(version === undefined ? {} : { model_version: String(version) }),
      ...(body.id === undefined ? {} : { id: body.id }),
      ...(warnings.length > 0 ? { parameters: { warnings } } : {}),
      outputs: wanted.map((name) => tensors[name]!),
    };
  },
};
