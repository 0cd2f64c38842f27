// Reproducing a model (issue 15, "Receipts and reproduction"): the job spec its receipt alone
// makes (network, dataset reference, resolved training with its seed, the model it started
// from), checked that everything it names is still there, and what the job will compare its new
// model with. Submitting it is submit.ts's; comparing the outcome is data/receipt.ts's.
import type { Config } from '../config.js';
import { reproducesOf } from '../data/receipt.js';
import { AppError } from '../errors.js';
import { type JobSpec, jobSchema, modelLabel, type Reproduces } from '../spec/index.js';
import type { StoredModel, Stores } from '../store/index.js';

/** A reproduction job's spec and what it reproduces; a 409 naming what is missing. */
export async function reproductionJob(
  config: Readonly<Config>,
  stores: Stores,
  model: StoredModel,
): Promise<{ spec: JobSpec; reproduces: Reproduces }> {
  const label = `the model ${modelLabel(model)}`;
  const { receipt } = model;
  if (!receipt) {
    const why = model.importedAt
      ? 'it was imported from a model file that carries none'
      : 'it was trained before models carried receipts';
    throw new AppError(
      'conflict',
      `${label} has no receipt to retrain from: ${why}. Only a model trained since (or a file downloaded from one) can be reproduced`,
    );
  }
  const { network, dataset, training } = receipt.spec;
  if (typeof dataset.id === 'string' && !(await stores.datasets.meta(dataset.id))) {
    throw new AppError(
      'conflict',
      `the dataset ${dataset.id} that ${label} was trained on has been deleted (rows sent inline with a job go when the job finishes): it cannot be retrained from its receipt`,
    );
  }
  const start = (training.initFrom as { model?: unknown } | undefined)?.model;
  if (typeof start === 'string' && !(await stores.models.get(start))) {
    throw new AppError(
      'conflict',
      `the model ${start} that ${label} was warm-started from (training.initFrom) has been deleted: it cannot be retrained from its receipt`,
    );
  }
  // the engine gives the same weights on any number of threads: at most this service's
  const threads = Math.min(Number(training.threads ?? 1), config.maxJobThreads);
  const parsed = jobSchema.safeParse({ network, dataset, training: { ...training, threads } });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError(
      'conflict',
      `the receipt of ${label} is not a job this service takes (${issue.path.join('.')}: ${issue.message}): it cannot be retrained here`,
    );
  }
  return { spec: parsed.data, reproduces: reproducesOf(model.id, receipt, model.metrics.kernel) };
}
