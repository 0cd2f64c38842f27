// What every predict route shares: the endpoint shape both the route and the fast lane run
// (predict-lane.ts), the tenant's cached model (404 as for a missing one), reading raw rows with
// errors that name the field, and the forward pass with its float32-overflow check; and for the
// standard protocols (OIP v2, TF Serving), the `error` their clients read.
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { maxFloat32 } from '../data/index.js';
import { outputSizeOf, parameterCount } from '../engine/index.js';
import { type Issue, ValidationError } from '../errors.js';
import type { Stores } from '../store/index.js';
import { authProblems, type ModelParams, nameOfParams, problems, refOfParams } from './schemas.js';
import type { CachedModel } from './services.js';

/**
 * A predict route's work, run by its Fastify handler and by the fast lane alike: the answer to a
 * body its schema accepted, with the tenant's cached model. Bad rows throw a ValidationError.
 */
export interface PredictEndpoint<Body = never, Answer = unknown> {
  /** The route's path as Fastify registers it; also its `route` label in /metrics. */
  url: string;
  /**
   * The same path over a request URL's path (no query) for the fast lane, ids only: group 1 is
   * the model id. A reference (NAME@…) never matches, and a bare NAME is no cached id, so both go
   * to the route, which resolves them.
   */
  path: RegExp;
  /** The body schema, with its fast check (fast-path.ts). */
  body: z.ZodType<Body>;
  /** `id` is the model as the path names it: an id, a reference, or a name (with /versions/N). */
  answer(app: FastifyInstance, cached: CachedModel, id: string, body: Body): Promise<Answer>;
}

/**
 * What the route's handler does: the tenant's model its path names (an id or reference, or a name
 * with a version or label: 404 if none), then the endpoint's answer. A reference is resolved once,
 * so the whole answer comes from one model even while its alias moves.
 */
export async function predictWith<Body, Answer>(
  app: FastifyInstance,
  endpoint: PredictEndpoint<Body, Answer>,
  { stores, params, body }: { stores: Stores; params: ModelParams; body: Body },
): Promise<Answer> {
  const cached = await getModel(app, stores, refOfParams(params));
  return endpoint.answer(app, cached, nameOfParams(params), body);
}

/** The tenant's model a reference names (id, NAME, NAME@VERSION, NAME@ALIAS), or a 404. */
export async function getModel(
  app: FastifyInstance,
  stores: Stores,
  ref: string,
): Promise<CachedModel> {
  const cached = await app.services.models.get(stores, ref);
  if (!cached) throw await stores.models.notFound(ref);
  return cached;
}

/**
 * The forward pass on raw rows: in this thread when it is small, else in a predict thread
 * (PREDICT_THREAD_WORK), so no request holds the event loop for long. Rows that overflow float32
 * inside the network (values far outside the training data) have no outputs to give, and NaN
 * cannot be sent as JSON: a 400 names them.
 */
export async function predictRows(
  app: FastifyInstance,
  cached: CachedModel,
  x: number[] | Float32Array,
  rows: number,
  rowIssue: (r: number, message: string) => Issue,
): Promise<Float32Array> {
  const n = outputSizeOf(cached.model.shape);
  const inputs = x instanceof Float32Array ? x : Float32Array.from(x);
  const work = rows * parameterCount(cached.model.shape);
  const { predictPool, config } = app.services;
  const y =
    work > config.predictThreadWork
      ? await predictPool.run(cached.model, inputs, rows)
      : cached.predict(inputs, rows);
  const issues: Issue[] = [];
  // one pass over the outputs (no view per row: this runs at every request)
  for (let i = 0; i < rows * n && issues.length < 10; i++) {
    if (Number.isFinite(y[i])) continue;
    const r = Math.floor(i / n);
    issues.push(
      rowIssue(
        r,
        'overflows 32-bit floats inside the model: its values are far outside the training data; scale them like the data the model was trained on',
      ),
    );
    i = (r + 1) * n - 1; // on to the next row
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return y;
}

/** Issues, at most ten, thrown together. */
export class Issues {
  readonly list: Issue[] = [];
  add(path: string, message: string): void {
    if (this.list.length < 10) this.list.push({ path, message });
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new ValidationError(this.list);
  }
}

/** "4 (sepal_length, …)": the width the model expects, for messages. */
export function expectedWidth({ doc, model }: CachedModel): string {
  const names = doc.featureNames ? ` (${doc.featureNames.join(', ')})` : '';
  return `${model.shape.inputSize}${names}`;
}

export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 20));
  if (Array.isArray(value)) return 'a list';
  return value === null || typeof value !== 'object' ? String(value) : 'an object';
}

export interface NumberKind {
  integer?: boolean;
  unsigned?: boolean;
}

/** Why `value` cannot be a feature, or null. */
export function valueProblem(value: unknown, kind: NumberKind = {}): string | null {
  if (typeof value !== 'number') return `must be a number (got ${shown(value)})`;
  if (!Number.isFinite(value)) return `must be a finite number (got ${value})`;
  if (Math.abs(value) > maxFloat32)
    return 'is past ±3.4e38, the range of the 32-bit floats models compute in: scale it down';
  if (kind.integer && !Number.isInteger(value)) return 'must be a whole number, as its datatype';
  if (kind.unsigned && value < 0) return 'must not be negative, as its datatype';
  return null;
}

/** Appends `row` to `x` if it is a list of the model's width of valid features. */
export function readRow(
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

export function checkRowCount(rows: number, max: number, path: string, issues: Issues): void {
  if (rows === 0) issues.add(path, 'needs at least one row');
  if (rows > max) issues.add(path, `has ${rows} rows; send at most ${max} per request`);
}

/**
 * The predict routes log their requests from this level up: at info they would write two lines
 * per prediction, on the event loop, as many as the rest of the API together. Their counts,
 * statuses and latencies are in /metrics; errors (5xx) are still logged.
 */
export const predictLogLevel = 'warn';

/** The one input tensor's name in both standard protocols (OIP v2, TF Serving's named form). */
export const inputName = 'input';

export const errorNote =
  'Errors are problem+json whose `error` repeats `detail`, as OIP and TF Serving clients read `error`.';

/** The answers of a route that predicts with a tenant's model, besides its own 200 and 400. */
export const modelProblems = { 404: problems[404], ...authProblems, 503: problems[503] };

/**
 * Both standard protocols' clients read a failure's message from `error` ({"error": "..."} in
 * each spec): every problem+json the plugin's routes answer carries it beside `detail`.
 */
export function addErrorField(app: FastifyInstance): void {
  // a callback hook, not an async one: it runs at every answer, mostly to let it through
  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof payload !== 'string' || !String(type).startsWith('application/problem+json'))
      return done(null, payload);
    const problem = JSON.parse(payload) as { detail: string };
    done(null, JSON.stringify({ ...problem, error: problem.detail }));
  });
}
