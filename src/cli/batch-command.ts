// `backprop batch-predict REF DATASET_ID [-o out.csv]` (issue 15): a batch-predictions job on the
// server — the model REF (id, NAME, NAME@VERSION, NAME@ALIAS) scores a stored dataset — followed
// to its end, then its CSV streamed to a file (written whole or not at all). The job's id goes
// to stdout first, the file's path last; progress to stderr.
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import type { Command } from 'commander';
import { connect } from './client.js';
import { followJob } from './follow-job.js';
import { print, type ServerOptions, say, withServer } from './server-options.js';

export function registerBatchCommand(cli: Command): void {
  withServer(cli.command('batch-predict'))
    .description('score every row of a dataset on the server with a model; write the CSV')
    .argument('<model>', 'the model: an id, NAME, NAME@VERSION or NAME@ALIAS')
    .argument('<dataset>', 'the id of a dataset on the server (backprop datasets upload)')
    .option('-o, --out <file>', 'where to write the CSV (default: <job id>.csv here)')
    .action(async (ref: string, datasetId: string, o: ServerOptions & { out?: string }) => {
      process.exitCode = await batchPredict(ref, datasetId, o);
    });
}

async function batchPredict(
  ref: string,
  datasetId: string,
  o: ServerOptions & { out?: string },
): Promise<number> {
  const server = connect(o.server, o.apiKey);
  const job = await server.submitBatch(ref, datasetId);
  print(job.id);
  const code = await followJob(server, job);
  if (code !== 0) return code;
  const path = o.out ?? `${job.id}.csv`;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const body = await server.output(job.id);
  try {
    await pipeline(Readable.fromWeb(body as ReadableStream<Uint8Array>), createWriteStream(temp));
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  renameSync(temp, path);
  say(`wrote ${path}`);
  print(path);
  return 0;
}
