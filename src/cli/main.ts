#!/usr/bin/env node
// The `backprop` command: train, predict and inspect gradients locally, with no server; submit,
// follow and use jobs on a server (server-commands.ts).
// Exit codes: 0 success, 2 bad input (one line naming the problem), 1 anything else.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { relaxedSimdWanted, tenantPattern } from '../config.js';
import { packageRoot } from '../paths.js';
import { enableRelaxedSimd } from '../wasm-features.js';
import { ServerError } from './client.js';
import { gradCommand } from './grad-command.js';
import { describeBadInput, parseThreads, UsageError } from './io.js';
import { predictCommand } from './predict-command.js';
import { type ReproduceCommandOptions, reproduceCommand } from './reproduce-command.js';
import {
  registerServerCommands,
  remotePredictCommand,
  type ServerOptions,
  withServer,
} from './server-commands.js';
import { TrainingFailed, trainCommand } from './train-command.js';

const version = (
  JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
).version;

function parseTenant(value: string): string {
  if (!tenantPattern.test(value))
    throw new InvalidArgumentError(
      'must be 1–63 lower-case letters, digits, _ or -, starting with a letter or digit',
    );
  return value;
}

function program(): Command {
  const cli = new Command('backprop')
    .description('Train fully-connected neural networks by backpropagation, and use them.')
    .version(version)
    .exitOverride()
    .showHelpAfterError('(run backprop --help for usage)');
  cli
    .command('train')
    .description('train the network a job spec describes and write the model as JSON')
    .argument('<job.json>', 'job spec: {network, dataset, training}')
    .option(
      '-o, --out <model.json>',
      'where to write the model (default: <job>.model.json beside the job)',
    )
    .option('-q, --quiet', 'print nothing but errors')
    .option(
      '-t, --threads <n>',
      `threads to train on, each batch split across them (default: the spec's training.threads, else 1; "auto": ${availableParallelism()} here)`,
      parseThreads,
    )
    .action((job: string, options: { out?: string; quiet?: boolean; threads?: number }) => {
      process.exitCode = trainCommand(job, options);
    });
  withServer(cli.command('predict'))
    .description(
      'print the outputs (and classes) of a trained model for new inputs: a model file here, or --model REF on a server',
    )
    .usage('[options] <model.json> <inputs>  |  --model <ref> [--server <url>] <inputs>')
    .argument(
      '[model.json]',
      'a model written by backprop train, or a model file from backprop models download',
    )
    .argument('[inputs]', 'a CSV with a header row and feature columns, or JSON [[...], ...]')
    .option(
      '--model <ref>',
      'predict with this model on the server instead of a model file: its id, NAME, NAME@VERSION or NAME@ALIAS',
    )
    // the server's form by --model or --server on the command line (not BACKPROP_SERVER alone)
    .action(
      async (
        model: string | undefined,
        inputs: string | undefined,
        options: ServerOptions & { model?: string },
        command: Command,
      ) => {
        if (options.model !== undefined || command.getOptionValueSource('server') === 'cli') {
          process.exitCode = await remotePredictCommand(options, [model, inputs]);
        } else if (model === undefined || inputs === undefined) {
          throw new UsageError(
            'give a model file and an inputs file (backprop predict model.json inputs.csv), or --model REF for a model on the server',
          );
        } else {
          process.exitCode = predictCommand(model, inputs);
        }
      },
    );
  cli
    .command('reproduce')
    .description(
      "retrain a downloaded model from its receipt, as the service does, and say whether the weights' SHA-256 is the receipt's (exit 0 equal, 1 not)",
    )
    .argument('<model>', 'a model file (backprop models download) or model JSON with a receipt')
    .argument(
      '[dataset]',
      'the file of the uploaded dataset it was trained on (CSV, or JSON rows); none for a built-in or generator',
    )
    .option('--from <model>', 'the model file a warm-started model started from')
    .option('--targets <columns>', 'a numeric CSV: its target columns (as uploaded with ?targets=)')
    .option('-o, --out <model.json>', 'also write the retrained model')
    .option('-q, --quiet', 'print only the outcome')
    .option('--json', 'print the outcome as JSON (the reproduction of a job done event)')
    .action((model: string, dataset: string | undefined, options: ReproduceCommandOptions) => {
      process.exitCode = reproduceCommand(model, dataset, options);
    });
  cli
    .command('grad')
    .description(
      "print one batch's outputs, error and per-layer gradients in the notes' convention",
    )
    .argument('<case.json>', '{network, weights, inputs, targets} as in test/fixtures/README.md')
    .action((file: string) => {
      process.exitCode = gradCommand(file);
    });
  registerServerCommands(cli);
  cli
    .command('keys')
    .description("make credentials for the service's configuration")
    .command('new')
    .description(
      'print a new API key for a tenant, its API_KEYS entry (the key hashed) and a webhook secret',
    )
    .requiredOption('--tenant <name>', 'the tenant the key acts for', parseTenant)
    .action(async (options: { tenant: string }) => {
      const { newApiKey } = await import('../api/auth.js');
      const { newWebhookSecret } = await import('../webhooks.js');
      const { key, entry } = newApiKey(options.tenant);
      process.stdout.write(
        `key (give it to the tenant; it is not stored anywhere): ${key}\n` +
          `API_KEYS entry (comma-separate several): ${entry}\n` +
          `WEBHOOK_SECRETS entry (for signed webhooks): ${options.tenant}:${newWebhookSecret()}\n`,
      );
    });
  return cli;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its own message (or the help)
      return error.exitCode === 0 ? 0 : 2;
    }
    const badInput = describeBadInput(error);
    if (badInput !== undefined) {
      process.stderr.write(`backprop: ${badInput}\n`);
      return 2;
    }
    if (error instanceof ServerError) {
      const details = error.details.map((line) => `  ${line}\n`).join('');
      process.stderr.write(`backprop: ${error.message}\n${details}`);
      return error.exitCode;
    }
    if (error instanceof TrainingFailed) {
      process.stderr.write(`backprop: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(
      `backprop: unexpected error: ${(error as Error).stack ?? String(error)}\n`,
    );
    return 1;
  }
}

enableRelaxedSimd(relaxedSimdWanted()); // before the engine compiles its kernels
process.exitCode = await main(process.argv);
