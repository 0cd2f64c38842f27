// `backprop models …`: the model registry on the server (README "Model registry"). list (a table:
// name@version, id, created, headline metric, aliases), show (one model and its lineage), alias
// and unalias (point a name's alias at a version, remove it), delete, and download (a model as
// one local file that `backprop predict FILE inputs.csv` runs with no server). Every model is
// named by a reference: its id, NAME (the latest version), NAME@VERSION or NAME@ALIAS. What is
// given is checked here first, so a bad name or version is one line and exit 2 before any request.
import type { Command } from 'commander';
import type { z } from 'zod';
import {
  aliasNameSchema,
  decodeModelFile,
  modelNameSchema,
  modelRefMessage,
  modelRefPattern,
} from '../spec/index.js';
import { connect, type ModelSummary, type ModelView } from './client.js';
import { evaluationReport } from './evaluation-report.js';
import { summarize } from './follow-job.js';
import { UsageError, writeFileAtomic } from './io.js';
import { fixed, print, printTable, type ServerOptions, say, withServer } from './server-options.js';

interface ListOptions extends ServerOptions {
  name?: string;
  tag?: string;
  dataset?: string;
  job?: string;
  limit?: string;
  cursor?: string;
  json?: boolean;
}

export function registerModelCommands(cli: Command): void {
  const models = cli
    .command('models')
    .description(
      'the models on the server: list, show, alias, unalias, delete, download (a model is named by its id, NAME, NAME@VERSION or NAME@ALIAS)',
    );
  withServer(models.command('list'))
    .description('list your models, newest first: name@version, id, created, metric, aliases')
    .option('--name <name>', 'only the versions of this name')
    .option('--tag <key:value>', 'only models with this tag (KEY:VALUE, or KEY for any value)')
    .option('--dataset <id>', 'only models trained on this stored dataset')
    .option('--job <id>', 'only the model this job trained')
    .option('--limit <n>', 'at most this many (1-100, default 20)')
    .option('--cursor <cursor>', 'the next page, as the previous one said')
    .option('--json', 'print the JSON answer')
    .action(async (o: ListOptions) => {
      process.exitCode = await listCommand(o);
    });
  withServer(models.command('show'))
    .description('one model: its name, version, aliases, tags, lineage and evaluation')
    .argument('<ref>', 'the model: ID, NAME, NAME@VERSION or NAME@ALIAS')
    .option('--json', 'print the JSON answer (weights and all)')
    .action(async (ref: string, o: ServerOptions & { json?: boolean }) => {
      const model = await connect(o.server, o.apiKey).model(checkedRef(ref));
      print(o.json ? JSON.stringify(model) : describeModel(model));
    });
  withServer(models.command('alias'))
    .description("point a name's alias (production, staging, …) at one of its versions")
    .argument('<name>', 'the model name')
    .argument('<alias>', 'the alias: not a number, not "latest"')
    .argument('<version>', 'the version it points at (1, 2, …)')
    .action(async (name: string, alias: string, version: string, o: ServerOptions) => {
      const n = checked(modelNameSchema, name, 'name');
      const a = checked(aliasNameSchema, alias, 'alias');
      const v = Number(version);
      if (!/^\d+$/.test(version) || !Number.isSafeInteger(v) || v < 1)
        throw new UsageError(`version ${version} is not a version number: give 1, 2, …`);
      const answer = await connect(o.server, o.apiKey).setAlias(n, a, v);
      print(answer.id);
      say(`${answer.name}@${answer.alias} is version ${answer.version}`);
    });
  withServer(models.command('unalias'))
    .description('remove an alias of a name (the version it pointed at stays)')
    .argument('<name>', 'the model name')
    .argument('<alias>', 'the alias')
    .action(async (name: string, alias: string, o: ServerOptions) => {
      const n = checked(modelNameSchema, name, 'name');
      const a = checked(aliasNameSchema, alias, 'alias');
      await connect(o.server, o.apiKey).deleteAlias(n, a);
      say(`removed ${n}@${a}`);
    });
  withServer(models.command('delete'))
    .description('delete a model (refused while an alias points at its version)')
    .argument('<ref>', 'the model: ID, NAME (its latest version), NAME@VERSION or NAME@ALIAS')
    .action(async (ref: string, o: ServerOptions) => {
      const server = connect(o.server, o.apiKey);
      // the model the reference names now, deleted by its id: what is said is what went
      const model = await server.model(checkedRef(ref));
      await server.deleteModel(model.id);
      print(model.id);
      say(`deleted ${label(model)}`);
    });
  withServer(models.command('download'))
    .description('download a model as one file that backprop predict runs locally')
    .argument('<ref>', 'the model: ID, NAME, NAME@VERSION or NAME@ALIAS')
    .option('-o, --out <file>', 'where to write it (default: NAME-VERSION.bpmodel, or ID.bpmodel)')
    .action(async (ref: string, o: ServerOptions & { out?: string }) => {
      const { bytes, filename } = await connect(o.server, o.apiKey).downloadModel(checkedRef(ref));
      const doc = decodeModelFile(bytes); // a damaged download is refused, not written
      const path = o.out ?? filename ?? `${ref}.bpmodel`;
      writeFileAtomic(path, bytes);
      print(path);
      say(
        `${bytes.length} bytes: ${doc.network.inputSize} inputs, ${doc.network.layers.length} layers`,
      );
    });
}

/** A model reference as given on the command line, or a one-line UsageError. */
export function checkedRef(ref: string): string {
  if (!modelRefPattern.test(ref)) throw new UsageError(`model ${ref} ${modelRefMessage}`);
  return ref;
}

function checked(schema: z.ZodType<string>, value: string, what: string): string {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UsageError(`${what} ${value} ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}

export function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100)
    throw new UsageError(`--limit ${value} must be a whole number from 1 to 100`);
  return n;
}

async function listCommand(o: ListOptions): Promise<number> {
  const query = {
    name: o.name === undefined ? undefined : checked(modelNameSchema, o.name, '--name'),
    tag: o.tag,
    dataset: o.dataset,
    job: o.job,
    limit: parseLimit(o.limit),
    cursor: o.cursor,
  };
  if (o.tag !== undefined && !/^[\w.-]{1,64}(:.{0,256})?$/.test(o.tag))
    throw new UsageError(
      `--tag ${o.tag} must be KEY:VALUE or KEY (a key of letters, digits, _ . -)`,
    );
  const list = await connect(o.server, o.apiKey).models(query);
  if (o.json) {
    print(JSON.stringify(list));
    return 0;
  }
  const rows = [
    ['MODEL', 'ID', 'CREATED', 'METRIC', 'ALIASES'],
    ...list.models.map((m) => [
      m.name && m.version ? `${m.name}@${m.version}` : '-',
      m.id,
      m.importedAt ? `${m.createdAt} (imported)` : m.createdAt,
      headline(m.metrics),
      m.aliases && m.aliases.length > 0 ? m.aliases.join(',') : '-',
    ]),
  ];
  printTable(rows);
  if (list.models.length === 0) say('no models');
  if (list.nextCursor) say(`more: backprop models list --cursor ${list.nextCursor}`);
  return 0;
}

/**
 * The one number a model is judged by in the list: its held-out accuracy or R² when the job kept
 * rows back, else its training accuracy, else its training error.
 */
export function headline(m: ModelSummary['metrics']): string {
  const t = m.test;
  if (t?.accuracy !== undefined) return `held-out accuracy ${percent(t.accuracy)}`;
  if (t?.r2 !== undefined) return `held-out R² ${t.r2.toFixed(3)}`;
  if (m.accuracy !== undefined) return `accuracy ${percent(m.accuracy)}`;
  return `error ${fixed(m.error)}`;
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

const label = (m: { id: string; name?: string; version?: number }) =>
  m.name && m.version ? `${m.name}@${m.version} (${m.id})` : m.id;

function describeModel(m: ModelView): string {
  const { lineage: l } = m;
  const n = m.network;
  const dataset = l.dataset
    ? `${l.dataset.id ?? JSON.stringify(l.dataset.ref)}, sha256 ${l.dataset.sha256}`
    : undefined;
  const tags = m.tags && Object.keys(m.tags).length > 0 ? m.tags : undefined;
  const fields: [string, string | undefined][] = [
    ['model', m.name && m.version ? `${m.name}@${m.version}` : undefined],
    ['id', m.id],
    ['aliases', m.aliases && (m.aliases.length > 0 ? m.aliases.join(', ') : '-')],
    ['description', m.description],
    [
      'tags',
      tags &&
        Object.entries(tags)
          .map(([k, v]) => `${k}:${v}`)
          .join(', '),
    ],
    [
      'network',
      `${n.inputSize}-${n.layers.map((x) => x.units).join('-')} (${n.layers.map((x) => x.activation).join(', ')}), ${n.divergence}`,
    ],
    ['job', l.job ?? undefined],
    ['dataset', dataset],
    ['seed', l.seed === null ? undefined : String(l.seed)],
    ['engine', l.engineVersion ?? undefined],
    ['warm from', l.initFrom],
    ['metrics', summarize(m.metrics)],
    ['created', m.createdAt],
    ['imported', m.importedAt],
    ['weights', m.receipt && `sha256 ${m.receipt.weightsSha256}`],
  ];
  const lines = fields
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name.padEnd(11)} ${value}`);
  if (m.evaluation)
    lines.push('evaluation', ...evaluationReport(m.evaluation).map((x) => `  ${x}`));
  return lines.join('\n');
}
