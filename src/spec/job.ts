// One job spec everywhere: the body of POST /v1/jobs and the file `backprop train` reads.
// { network, dataset, training }; the training block is optional and fully defaulted.
import { z } from 'zod';
import { datasetSchema } from './dataset.js';
import { parseOrThrow } from './issues.js';
import { networkSchema } from './network.js';
import { type ResolvedTraining, resolveTraining, trainingSchema } from './training.js';

export const jobSchema = z.strictObject({
  network: networkSchema,
  dataset: datasetSchema,
  training: trainingSchema.optional(),
});

export type JobSpec = z.output<typeof jobSchema>;

/** A job spec with every training default filled in (and the seed fixed). */
export interface ResolvedJob extends Omit<JobSpec, 'training'> {
  training: ResolvedTraining;
}

/** Validates a job spec; throws a ValidationError naming every bad field. */
export function parseJob(value: unknown): JobSpec {
  return parseOrThrow(jobSchema, value);
}

export function resolveJob(job: JobSpec, seed?: () => number): ResolvedJob {
  return { ...job, training: resolveTraining(job.training, seed) };
}
