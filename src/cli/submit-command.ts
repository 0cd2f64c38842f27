// `backprop submit`: sends a job spec to the server (a {csv: path} dataset is uploaded first,
// and removed again if the spec is refused), prints the job id and, with --follow, follows it.
// It checks only the {csv} part it acts on; the server checks the rest and answers for it.
import { resolve } from 'node:path';
import { baseDirOf } from '../data/resolve.js';
import { csvSchema, parseOrThrow } from '../spec/index.js';
import { connect, type ServerClient, ServerError } from './client.js';
import { describeShape } from './dataset-commands.js';
import { followJob } from './follow-job.js';
import { openFileBody, readJson } from './io.js';
import { print, type ServerOptions, say } from './server-options.js';

export async function submitCommand(
  file: string,
  o: ServerOptions & { follow?: boolean; idempotencyKey?: string },
): Promise<number> {
  const server = connect(o.server, o.apiKey);
  const { spec, datasetId } = await uploadLocalCsv(server, readJson(file, 'job file'), file);
  let submitted: Awaited<ReturnType<ServerClient['submitJob']>>;
  try {
    submitted = await server.submitJob(spec, o.idempotencyKey);
  } catch (error) {
    // the spec was refused: the dataset uploaded for it would be left behind
    if (datasetId && error instanceof ServerError && error.exitCode === 2)
      await server.deleteDataset(datasetId).catch(() => {});
    throw error;
  }
  const { job, created } = submitted;
  print(job.id);
  if (!created)
    say(`an earlier submission with this idempotency key: job ${job.id}, ${job.status}`);
  if (o.follow) return followJob(server, job);
  if (process.stderr.isTTY) say(`follow it with: backprop status ${job.id} --follow`);
  return 0;
}

// A {csv: path} dataset names a file on this machine: upload it and submit with its id.
async function uploadLocalCsv(
  server: ServerClient,
  spec: unknown,
  file: string,
): Promise<{ spec: unknown; datasetId?: string }> {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(spec) || !isObject(spec.dataset) || !('csv' in spec.dataset)) return { spec };
  const csv = parseOrThrow(csvSchema, spec.dataset, 'dataset');
  const path = resolve(baseDirOf(file), csv.csv);
  const query =
    csv.label !== undefined ? { label: csv.label } : { targets: (csv.targets ?? []).join(',') };
  const meta = await server.uploadDataset(openFileBody(path, 'dataset file'), 'text/csv', query);
  say(`uploaded ${csv.csv} as dataset ${meta.id}: ${describeShape(meta)}`);
  return { spec: { ...spec, dataset: { id: meta.id } }, datasetId: meta.id };
}
