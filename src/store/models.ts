// Trained models, and their names, versions and aliases (issue 15); their weights in the blob
// store (issue 16).
//
// A model is its record in Redis: the document (spec, preprocessing, metrics, evaluation,
// receipt, history) as one JSON string, written once and never changed, whose `weights` is
// `{blob, bytes}`: the SHA-256 of its model file (src/spec/model-file.ts, the bytes a download
// sends) in the blob store. A small summary hash beside it is what the list reads (`json`:
// ModelSummary, its `name` and `version`, and `blob`). Models saved before issue 16, or by a
// store made without a blob store, hold their weights inline as JSON: both are read. Identical
// models share one blob: `blobRefs` (one hash for the prefix) counts the records naming each,
// changed in the script that writes or deletes the record; the blob goes when its count does.
// A model's bytes (record + file) count in the tenant's usage (usage.ts) from its write to its
// deletion. Every key is the tenant's: another tenant's models, names and aliases are not there.
//
// A named model is version N of its name: the name's counter hands out 1, 2, … (never reused,
// as in MLflow), its `versions` hash maps version → id, its `aliases` hash alias → version. The
// version is given in the script that saves the model, so two jobs finishing at once get two
// versions, and a job saved twice (its worker died between saving and finishing) keeps its one.
// An alias moves with one HSET: a prediction resolves its reference once, then runs on that id.
import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import type { ModelDocument, ModelNaming, ModelRef } from '../spec/index.js';
import { decodeModelFile, encodeModelFile } from '../spec/model-file.js';
import { latestAlias, parseModelRef } from '../spec/model-ref.js';
import { blobRefs } from './blob-refs.js';
import type { BlobStore } from './blobs/index.js';
import type { Fence } from './fence.js';
import { deleteScript, resolveScript, saveScript, setAliasScript } from './model-scripts.js';
import type { Keys } from './redis.js';
import { usageKey } from './usage.js';

export interface StoredModel extends ModelDocument {
  id: string;
  /** The job that trained it; none for a model imported from a file. */
  jobId?: string;
  /** When it was imported from a model file (POST /v1/models); none for a trained model. */
  importedAt?: string;
  /** Its name and version in the registry, for a model whose job (or import) named it. */
  name?: string;
  version?: number;
  tags?: Record<string, string>;
  description?: string;
  /** A reproduction's model (issue 15): the model whose receipt it was retrained from. */
  reproduces?: string;
}

/** What the model list shows of each model: no weights, no preprocessing. */
export interface ModelSummary {
  id: string;
  name?: string;
  version?: number;
  tags?: Record<string, string>;
  description?: string;
  jobId?: string;
  /** The stored dataset it was trained on (none for built-in, generated or inline data). */
  datasetId?: string;
  createdAt: string;
  importedAt?: string;
  metrics: ModelDocument['metrics'];
}

export function summaryOf(model: StoredModel): ModelSummary {
  const dataset = model.receipt?.spec.dataset as { id?: unknown } | undefined;
  return {
    id: model.id,
    ...(model.name ? { name: model.name } : {}),
    ...(model.version ? { version: model.version } : {}),
    ...(model.tags ? { tags: model.tags } : {}),
    ...(model.description ? { description: model.description } : {}),
    ...(model.jobId ? { jobId: model.jobId } : {}),
    ...(typeof dataset?.id === 'string' ? { datasetId: dataset.id } : {}),
    createdAt: model.createdAt,
    ...(model.importedAt ? { importedAt: model.importedAt } : {}),
    metrics: model.metrics,
  };
}

/** The model document of a stored model: what its model file holds (no id, job, name, …). */
export function fileDocumentOf(model: StoredModel): ModelDocument {
  const {
    id: _id,
    jobId: _job,
    importedAt: _at,
    name: _name,
    version: _version,
    tags: _tags,
    description: _description,
    ...document
  } = model;
  return document;
}

/** Where a record's weights are when they are in the blob store. */
interface WeightsBlob {
  blob: string;
  bytes: number;
}

// The record's weights when they are in the blob store; null when they are inline.
function inBlob(weights: unknown): WeightsBlob | null {
  const blob = (weights as Partial<WeightsBlob> | undefined)?.blob;
  return typeof blob === 'string' ? (weights as WeightsBlob) : null;
}

/** The filters of the model list (GET /v1/models). */
export interface ModelListOptions {
  name?: string | undefined;
  /** `key:value` (or `key`: any value). */
  tag?: string | undefined;
  dataset?: string | undefined;
  job?: string | undefined;
  limit: number;
  /** The last id of the previous page. */
  cursor?: string | undefined;
}

/** One name's registry: its versions (newest first) and aliases. */
export interface NameRecord {
  name: string;
  versions: { version: number; id: string }[];
  aliases: Record<string, number>;
}

/**
 * The model store of one tenant. With `blobs`, a model's weights are saved as its model file in
 * the blob store; without (tests of other parts), inline in its record, as before issue 16.
 */
export function createModelStore(redis: Redis, keys: Keys, blobs?: BlobStore) {
  const nameKeys = (name: string) => [keys.nameVersions(name), keys.nameAliases(name)];
  const refs = blobRefs(redis, keys, blobs);
  const { deleteBlob } = refs;

  async function write(model: StoredModel, fence: Fence): Promise<'fenced' | StoredModel> {
    const { version: _, ...unversioned } = model;
    // no blob, so never 'deleting'
    if (!blobs)
      return (await writeRecord(unversioned, JSON.stringify(unversioned), '', 0, fence)) as
        | 'fenced'
        | StoredModel;
    const file = encodeModelFile(fileDocumentOf(unversioned));
    const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
    return refs.putAndRecord(
      blobs,
      () => Readable.from(bytes),
      (put) => {
        const weights: WeightsBlob = { blob: put.sha256, bytes: put.bytes };
        const record = JSON.stringify({ ...unversioned, weights });
        return writeRecord(unversioned, record, put.sha256, put.bytes, fence);
      },
    );
  }

  // The weights of a record that keeps them in the blob store, read from its model file.
  async function weightsOf(id: string, weights: WeightsBlob): Promise<ModelDocument['weights']> {
    const stream = blobs ? await blobs.get(weights.blob) : null;
    if (!stream)
      throw new Error(`model ${id}: its model file ${weights.blob} is not in the blob store`);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return decodeModelFile(Buffer.concat(chunks)).weights;
  }

  async function writeRecord(
    unversioned: StoredModel,
    record: string,
    blob: string,
    blobBytes: number,
    fence: Fence,
  ): Promise<'fenced' | 'deleting' | StoredModel> {
    const model = unversioned;
    const name = model.name ?? '';
    const answer = (await redis.eval(
      saveScript,
      10,
      keys.job(model.jobId ?? ''), // read only with a fence: a worker's save
      keys.model(model.id),
      usageKey(keys),
      keys.modelSummary(model.id),
      keys.models,
      keys.names,
      keys.nameVersions(name),
      keys.nameCounter(name),
      keys.blobRefs,
      keys.blobDeleting,
      fence,
      `model:${model.id}`,
      record,
      JSON.stringify(summaryOf(unversioned)),
      model.id,
      name,
      blob,
      blobBytes,
    )) as 'fenced' | 'deleting' | [string, string];
    if (answer === 'fenced' || answer === 'deleting') return answer;
    const [version, drop] = answer;
    await deleteBlob(drop); // the blob an earlier save of this model named, now named by none
    return version === '' ? unversioned : { ...unversioned, version: Number(version) };
  }

  const store = {
    /**
     * Saves a trained model (its name's next version when `name` is set); 'fenced' (nothing
     * written) when `fence` is no longer its job's. The model as stored, with its version.
     */
    async save(model: StoredModel, fence: Fence = ''): Promise<'fenced' | StoredModel> {
      return write(model, fence);
    },
    /** A model of no job (imported from a file) under a new id, its bytes counted. */
    async add(model: StoredModel): Promise<StoredModel> {
      return (await write(model, '')) as StoredModel;
    },
    /** The model with its weights (from its model file, or inline in an older record). */
    async get(id: string): Promise<StoredModel | null> {
      const json = await redis.get(keys.model(id));
      if (!json) return null;
      const model = JSON.parse(json) as StoredModel;
      const weights = inBlob(model.weights);
      // assigned in place: the document's fields keep their order
      if (weights) model.weights = await weightsOf(id, weights);
      return model;
    },
    /**
     * The model's file as stored (the bytes a download sends) and its length; null when its
     * weights are inline in its record (a model saved before issue 16) or it is gone.
     */
    async file(id: string): Promise<{ stream: Readable; bytes: number } | null> {
      const json = await redis.get(keys.model(id));
      const weights = json ? inBlob((JSON.parse(json) as { weights: unknown }).weights) : null;
      if (!blobs || !weights) return null;
      const stream = await blobs.get(weights.blob);
      return stream ? { stream, bytes: weights.bytes } : null;
    },
    /**
     * The id a reference names (an id, NAME, NAME@VERSION, NAME@ALIAS), or null when it names
     * none of this tenant's models. A bare word is an id when a model has it, else a name's
     * latest version.
     */
    async resolve(ref: string | ModelRef): Promise<string | null> {
      const parsed = typeof ref === 'string' ? parseModelRef(ref) : ref;
      if (!parsed) return null;
      if (parsed.kind === 'plain') {
        if ((await redis.exists(keys.model(parsed.text))) === 1) return parsed.text;
        return byName(parsed.text, 'latest', '');
      }
      if (parsed.kind === 'version') return byName(parsed.name, 'version', String(parsed.version));
      if (parsed.alias === latestAlias) return byName(parsed.name, 'latest', '');
      return byName(parsed.name, 'alias', parsed.alias);
    },
    /**
     * The 404 for a reference that names none of this tenant's models, saying which part is
     * missing: the name, its version, its alias, or the id.
     */
    async notFound(ref: string): Promise<AppError> {
      const parsed = parseModelRef(ref);
      if (parsed?.kind === 'version' || parsed?.kind === 'alias') {
        if (!(await store.name(parsed.name)))
          return new AppError('not_found', `no model of yours is named ${parsed.name}`);
        const missing =
          parsed.kind === 'version' ? `no version ${parsed.version}` : `no alias ${parsed.alias}`;
        return new AppError('not_found', `${parsed.name} has ${missing}`);
      }
      return new AppError('not_found', `no model has id or name ${ref}`);
    },
    /** The name's versions (newest first) and aliases; null when it has no version. */
    async name(name: string): Promise<NameRecord | null> {
      const [versions, aliases] = await Promise.all([
        redis.hgetall(keys.nameVersions(name)),
        redis.hgetall(keys.nameAliases(name)),
      ]);
      const list = Object.entries(versions)
        .map(([v, id]) => ({ version: Number(v), id }))
        .sort((a, b) => b.version - a.version);
      if (list.length === 0) return null;
      const byAlias = Object.fromEntries(Object.entries(aliases).map(([a, v]) => [a, Number(v)]));
      return { name, versions: list, aliases: byAlias };
    },
    /** The aliases that point at version `version` of `name`. */
    async aliasesOf(name: string, version: number): Promise<string[]> {
      const aliases = await redis.hgetall(keys.nameAliases(name));
      return Object.entries(aliases)
        .filter(([, v]) => v === String(version))
        .map(([alias]) => alias)
        .sort();
    },
    /** Points `alias` at `version` of `name` (moved in one step); 'no_version' if none. */
    async setAlias(name: string, alias: string, version: number): Promise<'ok' | 'no_version'> {
      return (await redis.eval(setAliasScript, 2, ...nameKeys(name), alias, version)) as
        | 'ok'
        | 'no_version';
    },
    /** Removes `alias` of `name`; false when it was not set. */
    async deleteAlias(name: string, alias: string): Promise<boolean> {
      return (await redis.hdel(keys.nameAliases(name), alias)) === 1;
    },
    /** Newest first, filtered; `nextCursor` pages on. */
    async list(
      options: ModelListOptions,
    ): Promise<{ models: ModelSummary[]; nextCursor: string | null }> {
      const { limit } = options;
      const found: ModelSummary[] = [];
      let cursor = options.cursor;
      if (options.name) {
        // a name's versions, newest version first: few enough to read in one go
        const ids = await idsOfName(options.name, cursor);
        const summaries = (await summariesOf(ids)).filter(
          (s): s is ModelSummary => s !== null && matches(s, options),
        );
        const page = summaries.slice(0, limit);
        return { models: page, nextCursor: summaries.length > limit ? page.at(-1)!.id : null };
      }
      // else the whole list, newest first, a batch at a time
      for (;;) {
        const batch = await redis.zrevrangebylex(
          keys.models,
          cursor ? `(${cursor}` : '+',
          '-',
          'LIMIT',
          0,
          200,
        );
        if (batch.length === 0) return { models: found, nextCursor: null };
        const summaries = await summariesOf(batch);
        for (let i = 0; i < batch.length; i++) {
          const s = summaries[i];
          if (!s || !matches(s, options)) continue;
          if (found.length === limit) return { models: found, nextCursor: found[limit - 1]!.id };
          found.push(s);
        }
        cursor = batch[batch.length - 1];
      }
    },
    /**
     * The id of the model that job `jobId` makes: `proposed` the first time, the same id ever
     * after, so that a job finished twice (its worker died between saving the model and
     * recording the job done) overwrites its one model rather than leaving a second.
     */
    async idForJob(jobId: string, proposed: string): Promise<string> {
      const key = keys.jobModel(jobId);
      const claimed = await redis.set(key, proposed, 'NX');
      return claimed ? proposed : ((await redis.get(key)) ?? proposed);
    },
    /**
     * Deletes the model and tells every API process to drop its cached copy. 'missing' when
     * there is none; `{aliased}` (nothing deleted) while an alias points at its version.
     */
    async delete(id: string): Promise<'ok' | 'missing' | { aliased: string }> {
      const [name, version] = await redis.hmget(keys.modelSummary(id), 'name', 'version');
      const answer = (await redis.eval(
        deleteScript,
        9,
        keys.model(id),
        keys.modelSummary(id),
        keys.models,
        usageKey(keys),
        ...nameKeys(name ?? ''),
        keys.names,
        keys.blobRefs,
        keys.blobDeleting,
        id,
        name ? (version ?? '') : '',
        name ?? '',
      )) as string | [string, string];
      if (answer === 'missing') return 'missing';
      if (typeof answer === 'string') return { aliased: answer.slice('aliased:'.length) };
      await deleteBlob(answer[1]);
      await redis.publish(keys.modelDeletedChannel, `${keys.tenant}/${id}`);
      return 'ok';
    },
  };

  async function byName(name: string, kind: string, value: string): Promise<string | null> {
    return (await redis.eval(resolveScript, 2, ...nameKeys(name), kind, value)) as string | null;
  }

  // The name's ids, newest version first (two jobs finishing at once may save in the other
  // order than their ids sort), after the cursor's place when one is given.
  async function idsOfName(name: string, cursor: string | undefined): Promise<string[]> {
    const versions = Object.entries(await redis.hgetall(keys.nameVersions(name)))
      .sort(([a], [b]) => Number(b) - Number(a))
      .map(([, id]) => id);
    return cursor === undefined ? versions : versions.slice(versions.indexOf(cursor) + 1);
  }

  async function summariesOf(ids: string[]): Promise<(ModelSummary | null)[]> {
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hget(keys.modelSummary(id), 'json');
    const answers = (await pipeline.exec()) ?? [];
    return answers.map(([, json]) => (json ? (JSON.parse(json as string) as ModelSummary) : null));
  }

  return store;
}

function matches(s: ModelSummary, { name, tag, dataset, job }: ModelListOptions): boolean {
  if (name !== undefined && s.name !== name) return false;
  if (dataset !== undefined && s.datasetId !== dataset) return false;
  if (job !== undefined && s.jobId !== job) return false;
  if (tag !== undefined) {
    const colon = tag.indexOf(':');
    const key = colon < 0 ? tag : tag.slice(0, colon);
    // its own tags only: a parsed object also answers constructor, toString, …
    const value = s.tags && Object.hasOwn(s.tags, key) ? s.tags[key] : undefined;
    if (value === undefined || (colon >= 0 && value !== tag.slice(colon + 1))) return false;
  }
  return true;
}

export type ModelStore = ReturnType<typeof createModelStore>;

/** What a job's `model` block adds to its model. */
export function namingOf(naming: ModelNaming | undefined) {
  if (!naming) return {};
  return {
    name: naming.name,
    ...(naming.tags ? { tags: naming.tags } : {}),
    ...(naming.description ? { description: naming.description } : {}),
  };
}
