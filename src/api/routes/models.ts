// Trained models: the document (spec, metrics, weights in the notes' convention) and
// prediction, which runs the forward pass in this process on a cached copy of the model.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { rowsOf } from '../../data/index.js';
import { argmaxRows, outputSizeOf, parameterCount } from '../../engine/index.js';
import { AppError, ValidationError } from '../../errors.js';
import { aliasNameSchema, modelNameSchema } from '../../spec/index.js';
import type { ModelSummary, StoredModel, Stores } from '../../store/index.js';
import { isFeature } from '../fast-path.js';
import {
  checkRowCount,
  expectedWidth,
  getModel,
  Issues,
  type PredictEndpoint,
  predictLogLevel,
  predictRows,
  predictWith,
  valueProblem,
} from '../predict.js';
import { replayLaneBody } from '../predict-lane.js';
import {
  authProblems,
  type lineageSchema,
  modelListQuery,
  modelListSchema,
  modelViewSchema,
  predictBodySchema,
  predictResponseSchema,
  problems,
  refParams,
} from '../schemas.js';
import type { CachedModel } from '../services.js';
import {
  classesOf,
  predictTable,
  recordsAt,
  recordsOfRows,
  type TableAnswer,
  tableOf,
} from '../table-predict.js';

const predictDescription = [
  'Send exactly one of `inputs` and `records`.',
  'A model trained on a numeric matrix takes `inputs`: rows of numbers of its input width, raw (the model scales them itself).',
  'A model trained on a table (GET /v1/models/:id shows its `columns`) takes `records`: one object per row, column name → raw value as in the file (numbers, strings, true/false); a field left out, null, blank or a missing token is imputed as in training, and a category not seen in training is read as its column\'s "other" (listed in `warnings`). It also takes `inputs`, each row read as the raw cells of its columns in their order (numbers, strings, true/false or null).',
  "A classifier answers `classes`, the predicted class per row as the file named it, and `outputs`, the probabilities in the order of the model's class list (GET /v1/models/:id `classes`); a table regressor answers `outputs` as [value] per row in the target's units.",
].join('\n\n');

export async function modelRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/models', {
    schema: {
      summary: 'Your models, newest first (cursor pages), filtered by name, tag, dataset or job',
      description:
        'Each model in brief: its name and version, aliases, tags, job, dataset and metrics. GET /v1/models/:ref has the rest.',
      tags: ['models'],
      querystring: modelListQuery,
      response: { 200: modelListSchema, 400: problems[400], ...authProblems, 503: problems[503] },
    },
    handler: async (request) => {
      const { models, nextCursor } = await request.stores.models.list(request.query);
      return { models: await withAliases(request.stores, models), nextCursor };
    },
  });

  r.put('/v1/models/:name/aliases/:alias', {
    schema: {
      summary: 'Point an alias of a name at one of its versions (moved in one step)',
      description:
        'Predictions already under way finish on the version they started with; the next ones (NAME@ALIAS) use the new one. An alias is not a number (that would read as a version) and not `latest`, which always means the newest version.',
      tags: ['models'],
      params: aliasParams,
      body: z.strictObject({
        version: z
          .number({ error: 'must be a version number of the name (1, 2, …)' })
          .int('must be a whole number')
          .min(1, 'versions start at 1'),
      }),
      response: {
        200: aliasSchema,
        400: problems[400],
        404: problems[404],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request) => {
      const { name, alias } = request.params;
      const { version } = request.body;
      const record = await request.stores.models.name(name);
      if (!record) throw new AppError('not_found', `no model of yours is named ${name}`);
      if ((await request.stores.models.setAlias(name, alias, version)) === 'no_version') {
        const versions = record.versions.map((v) => v.version).join(', ');
        throw new ValidationError([
          {
            path: 'version',
            message: `${name} has no version ${version}: its versions are ${versions}`,
          },
        ]);
      }
      const id = record.versions.find((v) => v.version === version)?.id ?? '';
      return { name, alias, version, id };
    },
  });

  r.delete('/v1/models/:name/aliases/:alias', {
    schema: {
      summary: 'Remove an alias (the version it pointed at stays)',
      tags: ['models'],
      params: aliasParams,
      response: {
        204: z.undefined().describe('removed'),
        404: problems[404],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const { name, alias } = request.params;
      if (!(await request.stores.models.deleteAlias(name, alias)))
        throw new AppError('not_found', `${name} has no alias ${alias}`);
      return reply.code(204).send();
    },
  });

  r.get('/v1/models/:id', {
    schema: {
      summary: 'A trained model: spec, metrics, weights (W_k is [D_k][D_k-1])',
      description:
        'A model trained on a table also shows the columns its predictions read (`columns`), its class list in output order (`classes`), its fitted `preprocessing` and `target`, and its `evaluation` on held-out rows.',
      tags: ['models'],
      params: refParams,
      response: { 200: modelViewSchema, 404: problems[404], ...authProblems, 503: problems[503] },
    },
    handler: async (request) =>
      modelView(request.stores, (await getModel(app, request.stores, request.params.id)).doc),
  });

  r.delete('/v1/models/:id', {
    schema: {
      summary: 'Delete a model (predictions with it end at once, in every API process)',
      tags: ['models'],
      params: refParams,
      response: {
        204: z.undefined().describe('deleted'),
        404: problems[404],
        409: problems[409],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request, reply) => {
      const ref = request.params.id;
      const id = await request.stores.models.resolve(ref);
      if (id === null) throw await request.stores.models.notFound(ref);
      const deleted = await request.stores.models.delete(id);
      if (deleted === 'missing') throw await request.stores.models.notFound(ref);
      if (deleted !== 'ok') {
        const { name, version } = (await request.stores.models.get(id)) ?? {};
        throw new AppError(
          'conflict',
          `the alias ${deleted.aliased} points at ${name}@${version}: move it (PUT /v1/models/${name}/aliases/${deleted.aliased}) or delete it (DELETE the same) first`,
        );
      }
      app.services.models.forget(`${request.tenant}/${id}`);
      return reply.code(204).send();
    },
  });

  r.post(modelPredict.url, {
    logLevel: predictLogLevel,
    preParsing: replayLaneBody,
    schema: {
      summary: 'Outputs (and classes, for classifiers) for raw feature rows or records',
      description: predictDescription,
      tags: ['models'],
      params: refParams,
      body: predictBodySchema,
      response: {
        200: predictResponseSchema,
        400: problems[400],
        404: problems[404],
        ...authProblems,
        503: problems[503],
      },
    },
    handler: async (request) => predictWith(app, modelPredict, request),
  });
}

const aliasParams = z.object({
  name: modelNameSchema.describe('the model name'),
  alias: aliasNameSchema.describe('the alias, e.g. production'),
});

const aliasSchema = z
  .object({ name: z.string(), alias: z.string(), version: z.number().int(), id: z.string() })
  .meta({ id: 'ModelAlias' });

// Each listed model's aliases, read per name once.
async function withAliases(stores: Stores, models: ModelSummary[]) {
  const names = [...new Set(models.flatMap((m) => (m.name ? [m.name] : [])))];
  const records = new Map(
    await Promise.all(names.map(async (n) => [n, await stores.models.name(n)] as const)),
  );
  return models.map((m) => {
    const aliases = m.name ? records.get(m.name)?.aliases : undefined;
    if (!aliases) return m;
    return {
      ...m,
      aliases: Object.keys(aliases)
        .filter((a) => aliases[a] === m.version)
        .sort(),
    };
  });
}

/** What GET /v1/models/:ref shows of a stored model (POST /v1/models answers it too). */
export async function modelView(stores: Stores, doc: StoredModel) {
  const { format: _format, weights, ...rest } = doc;
  const aliases =
    doc.name && doc.version
      ? { aliases: await stores.models.aliasesOf(doc.name, doc.version) }
      : {};
  const view = { ...rest, ...weightsShown(doc, weights), ...aliases, lineage: lineageOf(doc) };
  if (!doc.preprocessing) return view;
  // a table model: the columns predict reads, and its class list where clients look for it
  const classes = classesOf(doc);
  return {
    ...view,
    ...(classes ? { classes } : {}),
    columns: doc.preprocessing.columns.map(({ name, type }) => ({ name, type })),
  };
}

/**
 * The most parameters the JSON view shows as numbers: past them the text (some 20 characters a
 * weight) would outgrow what a Node string holds, long before MAX_PARAMETERS. A larger model's
 * weights are its download's.
 */
export const maxJsonWeights = 5_000_000;

function weightsShown(doc: StoredModel, weights: StoredModel['weights']) {
  const count = parameterCount(doc.network);
  if (count <= maxJsonWeights) return { weights };
  const ref = doc.name && doc.version ? `${doc.name}@${doc.version}` : doc.id;
  return {
    weightsOmitted: `this model has ${count} parameters, more than the ${maxJsonWeights} shown as JSON: download it (GET /v1/models/${ref}/download) for its weights`,
  };
}

/** Where the model came from, from its receipt (models trained before issue 15 have none). */
export function lineageOf(doc: StoredModel): z.infer<typeof lineageSchema> {
  const receipt = doc.receipt;
  const ref = receipt?.spec.dataset;
  const initFrom = (receipt?.spec.training.initFrom as { model?: string } | undefined)?.model;
  return {
    job: doc.jobId ?? null,
    dataset:
      receipt && ref
        ? {
            ref,
            ...(typeof ref.id === 'string' ? { id: ref.id } : {}),
            sha256: receipt.datasetSha256,
          }
        : null,
    spec: receipt?.spec ?? null,
    seed: receipt?.seed ?? null,
    engineVersion: receipt?.engineVersion ?? null,
    ...(initFrom ? { initFrom } : {}),
    ...(doc.reproduces ? { reproduces: doc.reproduces } : {}),
    metrics: doc.metrics,
    evaluation: doc.metrics.test,
  };
}

const notATable =
  'this model was trained on a numeric matrix, not a table with named columns: send inputs (rows of numbers)';

const rowIssue = (r: number, message: string) => ({ path: `inputs.${r}`, message });

/** POST /v1/models/:id/predict: `inputs` rows or `records` in, `outputs` (and `classes`) out. */
export const modelPredict: PredictEndpoint<
  z.infer<typeof predictBodySchema>,
  z.infer<typeof predictResponseSchema>
> = {
  url: '/v1/models/:id/predict',
  path: /^\/v1\/models\/([\w-]{1,64})\/predict$/,
  body: predictBodySchema,
  async answer(app, cached, _id, { inputs, records }) {
    const max = app.services.config.maxPredictRows;
    const table = tableOf(cached);
    const issues = new Issues();
    if (records !== undefined) {
      if (!table) throw new ValidationError([{ path: 'records', message: notATable }]);
      checkRowCount(records.length, max, 'records', issues);
      issues.throwIfAny();
      return tableAnswer(await predictTable(app, cached, table, records, recordsAt('records')));
    }
    const rows = inputs!;
    checkRowCount(rows.length, max, 'inputs', issues);
    issues.throwIfAny();
    if (table) {
      const { records: read, place } = recordsOfRows(table.pre, rows, 'inputs', issues);
      issues.throwIfAny();
      return tableAnswer(await predictTable(app, cached, table, read, place));
    }
    return matrixAnswer(app, cached, rows, issues);
  },
};

function tableAnswer({ outputs, classes, warnings }: TableAnswer) {
  return {
    outputs,
    ...(classes ? { classes } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** A model trained on a numeric matrix: rows of numbers of its input width. */
async function matrixAnswer(
  app: FastifyInstance,
  cached: CachedModel,
  inputs: readonly (readonly unknown[])[],
  issues: Issues,
) {
  const { doc, model } = cached;
  const width = model.shape.inputSize;
  // the rows straight into the model's float32 input, their widths and values checked on the way
  const x = new Float32Array(inputs.length * width);
  for (let i = 0; i < inputs.length; i++) {
    const row = inputs[i]!;
    if (row.length !== width) {
      issues.add(
        `inputs.${i}`,
        `has ${row.length} values; the model expects ${expectedWidth(cached)}`,
      );
      continue;
    }
    for (let c = 0; c < width; c++) {
      const v = row[c];
      if (isFeature(v)) x[i * width + c] = v as number;
      else issues.add(`inputs.${i}.${c}`, valueProblem(v)!);
    }
  }
  issues.throwIfAny();
  const n = outputSizeOf(model.shape);
  const y = await predictRows(app, cached, x, inputs.length, rowIssue);
  const outputs = rowsOf(y, inputs.length, n);
  const classes = doc.classes;
  if (!classes) return { outputs };
  return { outputs, classes: Array.from(argmaxRows(y, inputs.length, n), (c) => classes[c]!) };
}
