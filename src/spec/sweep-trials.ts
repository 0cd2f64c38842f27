// A sweep's trials (issue 17): the parameters each trial takes (a grid's combinations, or seeded
// random draws), the job spec each trial runs, and the check that every one of those specs is a
// job POST /v1/jobs would take. Pure and seeded: the same sweep gives the same trials on every
// machine. Not the scheduling of trials, nor early stopping: those are the jobs layer's.
import { createRandom, deriveSeed } from '../engine/index.js';
import { type Issue, ValidationError } from '../errors.js';
import { friendlyIssues, plainMessages } from './issues.js';
import { type JobSpec, jobSchema } from './job.js';
import { type Sweep, sweepSeed, trialCount } from './sweep.js';
import { type Distribution, kindOf, pathProblem } from './sweep-parameters.js';

export type ParamValue = number | string | boolean;
/** A trial's parameters, keyed by the sweep's dotted paths. */
export type TrialParams = Record<string, ParamValue>;
export interface Trial {
  params: TrialParams;
}

type Sampled = Pick<Sweep, 'spec' | 'parameters' | 'method' | 'trials' | 'seed'>;

/** The parameters in the order they are drawn and combined: sorted, so the body's order is moot. */
const pathsOf = (parameters: Record<string, Distribution>) => Object.keys(parameters).sort();

/**
 * The sweep's trials. Grid: every combination of values once, the last path (sorted) changing
 * fastest (as scikit-learn's ParameterGrid). Random: `trials` draws, each parameter from its own
 * seeded stream, so trial k's value of a parameter depends on neither the number of trials nor
 * the other parameters.
 */
export function sampleTrials(sweep: Sampled): Trial[] {
  const paths = pathsOf(sweep.parameters);
  if (sweep.method === 'grid') return gridTrials(sweep.parameters, paths);
  const seed = sweepSeed(sweep);
  const trials = trialCount(sweep);
  const columns = paths.map((path) => {
    const random = createRandom(deriveSeed(seed, hashOf(path)));
    const d = sweep.parameters[path]!;
    return Array.from({ length: trials }, () => draw(d, random.next));
  });
  return Array.from({ length: trials }, (_, k) => ({
    params: Object.fromEntries(paths.map((path, p) => [path, columns[p]![k]!])),
  }));
}

function gridTrials(parameters: Record<string, Distribution>, paths: string[]): Trial[] {
  let combos: [string, ParamValue][][] = [[]];
  for (const path of paths) {
    const values = parameters[path]!.values ?? [];
    combos = combos.flatMap((combo) =>
      values.map((v) => [...combo, [path, v] as [string, ParamValue]]),
    );
  }
  return combos.map((combo) => ({ params: Object.fromEntries(combo) }));
}

/** One draw; `next` is uniform in [0, 1). */
export function draw(d: Distribution, next: () => number): ParamValue {
  if (d.values) return d.values[Math.floor(next() * d.values.length)]!;
  if (d.uniform) {
    const [lo, hi] = d.uniform;
    return Math.min(lo + (hi - lo) * next(), hi);
  }
  if (d.logUniform) {
    const [lo, hi] = d.logUniform;
    const x = Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * next());
    // exp(log(x)) may round a hair past either end
    return Math.min(Math.max(x, lo), hi);
  }
  const [lo, hi] = d.intUniform!;
  return lo + Math.floor(next() * (hi - lo + 1));
}

// FNV-1a: a parameter's stream number from its path
function hashOf(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * The job spec with each dotted path set to its value: objects and lists the spec leaves out are
 * made, list items named by index (at most one past the end). The spec is not changed: what a
 * path passes through is copied, the rest shared. Throws a ValidationError (paths
 * `parameters.<path>`) where a path cannot be followed: into a number, a word into a list, an
 * index that skips items.
 */
export function trialSpec(spec: JobSpec, params: TrialParams): Record<string, unknown> {
  const issues: Issue[] = [];
  let out: unknown = spec;
  for (const path of Object.keys(params)) {
    const problem = pathProblem(path);
    const fail = (message: string) => issues.push({ path: `parameters.${path}`, message });
    if (problem) fail(problem);
    else out = setAt(out, path.split('.'), 0, params[path]!, fail);
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return out as Record<string, unknown>;
}

function setAt(
  node: unknown,
  segments: string[],
  i: number,
  value: ParamValue,
  fail: (message: string) => void,
): unknown {
  if (i === segments.length) return value;
  const segment = segments[i]!;
  const here = segments.slice(0, i).join('.');
  const index = /^\d+$/.test(segment) ? Number(segment) : undefined;
  if (node === undefined || node === null) node = index === undefined ? {} : [];
  if (Array.isArray(node)) {
    if (index === undefined) {
      fail(`${here} is a list: name an item by its index, e.g. ${here}.0`);
      return node;
    }
    if (index > node.length) {
      fail(
        `${here} has ${node.length} item${node.length === 1 ? '' : 's'}: index ${index} would leave a gap; use an index up to ${node.length}`,
      );
      return node;
    }
    const copy = node.slice();
    copy[index] = setAt(copy[index], segments, i + 1, value, fail);
    return copy;
  }
  if (typeof node !== 'object') {
    fail(`${here} is ${JSON.stringify(node)}, not an object: this path goes inside a value`);
    return node;
  }
  const copy: Record<string, unknown> = { ...(node as Record<string, unknown>) };
  const child = Object.hasOwn(copy, segment) ? copy[segment] : undefined;
  copy[segment] = setAt(child, segments, i + 1, value, fail);
  return copy;
}

/** At most this many issues are reported: the first trials' say what is wrong. */
const maxIssues = 20;

/**
 * Every trial's spec, each validated as a job (the sweep itself parsed by sweepSchema, so its
 * spec is valid): a trial that fails is a ValidationError naming the parameter at fault
 * (`parameters.<path>`, with the value drawn), or `spec.<path>` when no parameter comes near the
 * field. Only the spec's top-level fields a parameter touches are parsed again: jobSchema has no
 * rule across its fields, and the others (an inline dataset, say) were parsed once already.
 */
export function checkTrialSpecs(sweep: Sampled): { params: TrialParams; spec: JobSpec }[] {
  const paths = pathsOf(sweep.parameters);
  const touched = [...new Set(paths.map((path) => path.split('.')[0]!))];
  const known = touched.filter((key) => Object.hasOwn(jobSchema.shape, key));
  const mask = Object.fromEntries(known.map((key) => [key, true])) as Partial<
    Record<keyof typeof jobSchema.shape, true>
  >;
  const schema = jobSchema.pick(mask);
  const issues = new Map<string, Issue>();
  const add = (issue: Issue) => issues.set(`${issue.path}\n${issue.message}`, issue);
  const trials: { params: TrialParams; spec: JobSpec }[] = [];
  for (const { params } of sampleTrials(sweep)) {
    let spec: Record<string, unknown>;
    try {
      spec = trialSpec(sweep.spec, params);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      err.issues.forEach(add);
      continue;
    }
    const part = Object.fromEntries(touched.map((key) => [key, spec[key]]));
    const result = schema.safeParse(part, { error: plainMessages });
    if (result.success) trials.push({ params, spec: { ...spec, ...result.data } as JobSpec });
    else
      for (const issue of friendlyIssues(result.error.issues))
        add(blame(issue.path.map(String), issue.message, params, sweep.parameters, paths));
  }
  if (issues.size > 0) throw new ValidationError([...issues.values()].slice(0, maxIssues));
  return trials;
}

const unknownField = 'is not a known field: remove it or check its spelling';

const shown = (v: ParamValue) => JSON.stringify(v);

/** The issue of a trial's spec, told against the parameter whose path shares the most with it. */
function blame(
  at: string[],
  message: string,
  params: TrialParams,
  parameters: Record<string, Distribution>,
  paths: string[],
): Issue {
  const field = at.join('.');
  let best: string | undefined;
  let bestShared = 0;
  for (const path of paths) {
    const segments = path.split('.');
    let shared = 0;
    while (shared < Math.min(at.length, segments.length) && at[shared] === segments[shared])
      shared++;
    if (shared > bestShared) [best, bestShared] = [path, shared];
  }
  if (best === undefined) {
    const drawn = paths.map((path) => `${path} = ${shown(params[path]!)}`).join(', ');
    return { path: `spec.${field}`, message: `${message} (in the trial with ${drawn})` };
  }
  const value = shown(params[best]!);
  const path = `parameters.${best}`;
  if (message === unknownField)
    return {
      path,
      message:
        field === best
          ? 'names no field of a job spec: check its spelling (fields are case-sensitive, e.g. training.learningRate)'
          : `names no field of a job spec (${field} is not one): check its spelling`,
    };
  if (field !== best)
    return {
      path,
      message: `with this parameter at ${value}, ${field} ${message}: give it in spec, or with another parameter`,
    };
  const d = parameters[best]!;
  const kind = kindOf(d);
  if (kind === 'values') {
    const got = message.includes('(got ') ? '' : ` (got ${value})`;
    return { path, message: `${message}${got}: remove that value` };
  }
  const fix =
    kind !== 'intUniform' && /whole number/.test(message)
      ? 'draw whole numbers with intUniform'
      : "keep the parameter's range within it";
  return {
    path,
    message: `${message} (drew ${value} from ${kind} [${d[kind]!.join(', ')}]): ${fix}`,
  };
}
