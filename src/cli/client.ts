// The service's HTTP API as the `backprop` command uses it: JSON requests with the API key,
// problem+json answers turned into errors a person can act on (server-errors.ts), a dataset
// file streamed (file-upload.ts), and a job's Server-Sent Events followed (event-stream.ts).
// Not a general client: src/client.ts is the typed one for programs.
import type { components } from '../client.generated.js';
import { type JobEvent, jobEventTypes } from '../spec/index.js';
import { type EventFollow, followEvents } from './event-stream.js';
import { type FileBody, sendFile } from './file-upload.js';
import { UsageError } from './io.js';
import { problemError, ServerError, transportError, unreachable } from './server-errors.js';

export { type EventFollow, ServerError };

export type Job = components['schemas']['Job'];
export type AnyDatasetMeta = components['schemas']['Dataset'];
/** A dataset ready to train on (an upload the server's workers read is waited for). */
export type DatasetMeta = Extract<AnyDatasetMeta, { status: 'ready' }>;
export type JobList = { jobs: Job[]; nextCursor: string | null };
export type Predictions = { outputs: number[][]; classes?: (string | number)[] };
/** One model of the registry as GET /v1/models/:ref shows it (weights, lineage and all). */
export type ModelView = components['schemas']['Model'];
export type ModelSummary = components['schemas']['ModelSummary'];
export type ModelList = { models: ModelSummary[]; nextCursor: string | null };
export type DatasetList = { datasets: AnyDatasetMeta[]; nextCursor: string | null };
export type ModelAlias = components['schemas']['ModelAlias'];
/** The filters of GET /v1/models. */
export type ModelQuery = {
  name?: string | undefined;
  tag?: string | undefined;
  dataset?: string | undefined;
  job?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
};

const requestTimeoutMs = 120_000;
/** How often an upload a worker is reading is asked after. */
const datasetPollMs = 1000;
const finalTypes = new Set(['done', 'failed', 'cancelled', 'pruned']);

export interface ServerClient {
  url: string;
  submitJob(spec: unknown, idempotencyKey?: string): Promise<{ job: Job; created: boolean }>;
  job(id: string): Promise<Job>;
  jobs(query: {
    status?: string;
    sweepId?: string;
    limit?: number;
    cursor?: string;
  }): Promise<JobList>;
  cancel(id: string): Promise<Job>;
  /**
   * A dataset file as `type` (text/csv, application/json, …), streamed as it is read; `encoding`
   * 'gzip': its bytes are gzip-compressed (sent with content-encoding: gzip). A big one is
   * waited for until a worker has read it.
   */
  uploadDataset(
    file: FileBody,
    type: string,
    query: Record<string, string | undefined>,
    encoding?: 'gzip',
  ): Promise<DatasetMeta>;
  deleteDataset(id: string): Promise<void>;
  /** A dataset as the server shows it (processing, ready or failed). */
  dataset(id: string): Promise<AnyDatasetMeta>;
  predict(modelId: string, inputs: number[][]): Promise<Predictions>;
  /** The model a reference (id, NAME, NAME@VERSION, NAME@ALIAS) names. */
  model(ref: string): Promise<ModelView>;
  models(query: ModelQuery): Promise<ModelList>;
  datasets(query: { status?: string; limit?: number; cursor?: string }): Promise<DatasetList>;
  setAlias(name: string, alias: string, version: number): Promise<ModelAlias>;
  deleteAlias(name: string, alias: string): Promise<void>;
  deleteModel(ref: string): Promise<void>;
  /** The model file of GET /v1/models/:ref/download: its bytes and the name the server gave it. */
  downloadModel(ref: string): Promise<{ bytes: Uint8Array; filename: string | undefined }>;
  /** Submits a batch-predictions job: the model `ref` scores the stored dataset. */
  submitBatch(ref: string, datasetId: string): Promise<Job>;
  /** A batch-predictions job's CSV (GET /v1/jobs/:id/output), streamed as it arrives. */
  output(jobId: string): Promise<ReadableStream<Uint8Array>>;
  follow(jobId: string, onEvent: (event: JobEvent) => void): EventFollow;
  /** JSON to or from any route (a file of its own builds on it: sweep-client.ts). */
  request<T>(method: 'GET' | 'POST', path: string, json?: unknown): Promise<T>;
  /** The Server-Sent Events of `path` by type; `onEvent` answers true for the final one. */
  stream(
    path: string,
    types: readonly string[],
    onEvent: (type: string, data: unknown) => boolean,
  ): EventFollow;
}

/** A client of the server at `server` (from --server or BACKPROP_SERVER). */
export function connect(server: string | undefined, apiKey: string | undefined): ServerClient {
  if (!server) {
    throw new UsageError(
      'no server given: pass --server URL or set BACKPROP_SERVER (for example http://127.0.0.1:3000)',
    );
  }
  if (!URL.canParse(server) || !/^https?:$/.test(new URL(server).protocol)) {
    throw new UsageError(`--server ${server} is not an http(s) URL such as http://127.0.0.1:3000`);
  }
  const url = server.replace(/\/+$/, '');
  const auth: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const at = (path: string) => `${url}${path}`;
  const idPath = (prefix: string, id: string, suffix = '') =>
    `${prefix}/${encodeURIComponent(id)}${suffix}`;

  // A big upload answered 202 (a worker reads it): polled until ready, or refused as the
  // server would have refused a small one (exit 2, each problem on a line of its own).
  async function ready(meta: AnyDatasetMeta): Promise<DatasetMeta> {
    let seen = meta;
    while (seen.status === 'processing') {
      await new Promise((r) => setTimeout(r, datasetPollMs));
      seen = (await call<AnyDatasetMeta>('GET', idPath('/v1/datasets', seen.id))).body;
    }
    if (seen.status === 'ready') return seen;
    const issues = (seen.error?.errors ?? []).map((e) =>
      e.path ? `${e.path}: ${e.message}` : e.message,
    );
    // one problem is the message itself: not printed twice
    const details = issues.length === 1 && issues[0] === seen.error?.message ? [] : issues;
    throw new ServerError(
      `dataset ${seen.id} could not be read: ${seen.error?.message ?? 'no reason given'}`,
      2,
      details,
    );
  }

  async function call<T>(
    method: string,
    path: string,
    body?: { json: unknown } | { data: string | Uint8Array; type: string },
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    let response: Response;
    let text: string;
    // a big upload has a second more per megabyte to go out
    const size = body && 'data' in body ? body.data.length : 0;
    const timeoutMs = requestTimeoutMs + Math.ceil(size / 1000);
    try {
      response = await fetch(at(path), {
        method,
        headers: {
          accept: 'application/json, application/problem+json',
          ...auth,
          ...headers,
          ...(body ? { 'content-type': 'json' in body ? 'application/json' : body.type } : {}),
        },
        ...(body ? { body: 'json' in body ? JSON.stringify(body.json) : body.data } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw transportError(url, error, timeoutMs);
    }
    if (!response.ok) throw problemError(url, response.status, text);
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  return {
    url,
    async submitJob(spec, idempotencyKey) {
      const headers: Record<string, string> = idempotencyKey
        ? { 'idempotency-key': idempotencyKey }
        : {};
      const r = await call<Job>('POST', '/v1/jobs', { json: spec }, headers);
      return { job: r.body, created: r.status === 202 };
    },
    job: async (id) => (await call<Job>('GET', idPath('/v1/jobs', id))).body,
    async jobs(query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
      const search = params.size > 0 ? `?${params}` : '';
      return (await call<JobList>('GET', `/v1/jobs${search}`)).body;
    },
    cancel: async (id) => (await call<Job>('POST', idPath('/v1/jobs', id, '/cancel'))).body,
    async uploadDataset(file, type, query, encoding) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
      const path = `/v1/datasets${params.size > 0 ? `?${params}` : ''}`;
      const headers: Record<string, string> = {
        accept: 'application/json, application/problem+json',
        ...auth,
        'content-type': type,
        ...(encoding ? { 'content-encoding': encoding } : {}),
      };
      // a big upload has a second more per megabyte to go out
      const timeoutMs = requestTimeoutMs + Math.ceil(file.size / 1000);
      let answer: { status: number; text: string };
      try {
        answer = await sendFile(at(path), file, headers, timeoutMs);
      } catch (error) {
        throw transportError(url, error, timeoutMs);
      }
      if (answer.status < 200 || answer.status > 299)
        throw problemError(url, answer.status, answer.text);
      return ready(JSON.parse(answer.text) as AnyDatasetMeta);
    },
    async deleteDataset(id) {
      await call('DELETE', idPath('/v1/datasets', id));
    },
    dataset: async (id) => (await call<AnyDatasetMeta>('GET', idPath('/v1/datasets', id))).body,
    predict: async (modelId, inputs) =>
      (
        await call<Predictions>('POST', idPath('/v1/models', modelId, '/predict'), {
          json: { inputs },
        })
      ).body,
    model: async (ref) => (await call<ModelView>('GET', idPath('/v1/models', ref))).body,
    async datasets(query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
      const search = params.size > 0 ? `?${params}` : '';
      return (await call<DatasetList>('GET', `/v1/datasets${search}`)).body;
    },
    async models(query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
      const search = params.size > 0 ? `?${params}` : '';
      return (await call<ModelList>('GET', `/v1/models${search}`)).body;
    },
    setAlias: async (name, alias, version) =>
      (
        await call<ModelAlias>('PUT', `${idPath('/v1/models', name)}${idPath('/aliases', alias)}`, {
          json: { version },
        })
      ).body,
    async deleteAlias(name, alias) {
      await call('DELETE', `${idPath('/v1/models', name)}${idPath('/aliases', alias)}`);
    },
    async deleteModel(ref) {
      await call('DELETE', idPath('/v1/models', ref));
    },
    async submitBatch(ref, datasetId) {
      const path = idPath('/v1/models', ref, '/batch-predictions');
      return (await call<Job>('POST', path, { json: { dataset: { id: datasetId } } })).body;
    },
    async output(jobId) {
      const path = idPath('/v1/jobs', jobId, '/output');
      let response: Response;
      try {
        response = await fetch(at(path), { headers: { accept: 'text/csv', ...auth } });
      } catch (error) {
        throw unreachable(url, error);
      }
      if (!response.ok) throw problemError(url, response.status, await response.text());
      return response.body!;
    },
    async downloadModel(ref) {
      const path = idPath('/v1/models', ref, '/download');
      let response: Response;
      try {
        response = await fetch(at(path), {
          headers: { accept: 'application/vnd.backprop.model, application/problem+json', ...auth },
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        if (!response.ok) throw problemError(url, response.status, await response.text());
        const disposition = response.headers.get('content-disposition') ?? '';
        const filename = /filename="([^"/\\]+)"/.exec(disposition)?.[1];
        return { bytes: new Uint8Array(await response.arrayBuffer()), filename };
      } catch (error) {
        if (error instanceof ServerError) throw error;
        throw unreachable(url, error);
      }
    },
    follow: (jobId, onEvent) =>
      followEvents(
        at(idPath('/v1/jobs', jobId, '/events')),
        url,
        auth,
        jobEventTypes,
        (_, data) => {
          const event = data as JobEvent;
          onEvent(event);
          return finalTypes.has(event.type);
        },
      ),
    request: async (method, path, json) =>
      (await call<never>(method, path, json === undefined ? undefined : { json })).body,
    stream: (path, types, onEvent) => followEvents(at(path), url, auth, types, onEvent),
  };
}
