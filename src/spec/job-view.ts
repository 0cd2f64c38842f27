// A job as the API shows it (GET /v1/jobs/:id and the list): the record without what only the
// service needs, with what a reader wants at once (its kind, seed, progress, sweep, folds). Split
// from job-contract.ts, whose record and spec it reads. zod schema, type by z.infer.
import { z } from 'zod';
import {
  foldJobId,
  isAwaiting,
  isTrainingSpec,
  type JobRecord,
  jobKinds,
  jobRecordSchema,
  kindOfSpec,
  progressSchema,
  rowsProgressSchema,
} from './job-contract.js';

const record = jobRecordSchema.shape;

/** The job as the API shows it: the record without what only the service needs. */
export const jobViewSchema = z
  .object({
    id: record.id,
    /** `training`, or `batch-predictions` (issue 15). */
    kind: z.enum(jobKinds),
    status: record.status,
    spec: record.spec,
    /** Training jobs: the seed their spec fixed. */
    seed: z.number().int().optional(),
    /** A sweep's trial (issue 17): the sweep it belongs to. */
    sweepId: z.string().optional(),
    /** Training: epochs done of the most; batch predictions: rows scored of the dataset's. */
    progress: z.union([
      progressSchema.extend({ error: z.number().nullable() }),
      rowsProgressSchema,
    ]),
    /** Batch predictions, once succeeded: where its CSV is. */
    output: z.string().optional(),
    metrics: record.metrics,
    createdAt: record.createdAt,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    error: record.error,
    modelId: record.modelId,
    cancelRequested: record.cancelRequested,
    reproduction: record.reproduction,
    parentJobId: record.parentJobId.describe(
      'a fold job of cross-validation (training.crossValidation): the job it is a fold of',
    ),
    fold: record.fold.describe('a fold job: which fold it validates on, of how many'),
    foldJobIds: z
      .array(z.string())
      .optional()
      .describe(
        'a cross-validated job (training.crossValidation): its fold jobs, fold 0 first; each exists once the job has started',
      ),
  })
  .meta({ id: 'Job' });
export type JobView = z.infer<typeof jobViewSchema>;

/** Where a batch-predictions job's CSV is read. */
export const outputPath = (jobId: string) => `/v1/jobs/${jobId}/output`;

export function jobView(r: JobRecord): JobView {
  const spec = r.spec;
  const kind = kindOfSpec(spec);
  // a training job awaiting its dataset has no seed or epochs settled yet: the epochs it asked for
  const asked = isAwaiting(spec)
    ? (spec.submitted.training as { epochs?: unknown } | undefined)?.epochs
    : undefined;
  const made = isTrainingSpec(spec)
    ? {
        seed: spec.training.seed,
        ...(spec.sweep ? { sweepId: spec.sweep.id } : {}),
        progress: r.progress ?? { epoch: 0, epochs: spec.training.epochs, error: null },
      }
    : kind === 'training'
      ? {
          progress: r.progress ?? {
            epoch: 0,
            epochs: typeof asked === 'number' ? asked : 0,
            error: null,
          },
        }
      : {
          progress: r.progress ?? { rows: 0, of: 0 },
          ...(r.status === 'succeeded' ? { output: outputPath(r.id) } : {}),
        };
  return {
    id: r.id,
    kind,
    status: r.status,
    spec,
    ...made,
    ...(r.metrics ? { metrics: r.metrics } : {}),
    createdAt: r.createdAt,
    ...(r.startedAt ? { startedAt: r.startedAt } : {}),
    ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(r.modelId ? { modelId: r.modelId } : {}),
    ...(r.cancelRequested ? { cancelRequested: true } : {}),
    ...(r.reproduction ? { reproduction: r.reproduction } : {}),
    ...(r.parentJobId ? { parentJobId: r.parentJobId } : {}),
    ...(r.fold ? { fold: r.fold } : {}),
    ...foldsOf(r),
  };
}

// A cross-validated job's fold jobs, whose ids are derived from its own.
function foldsOf(r: JobRecord): { foldJobIds?: string[] } {
  if (!isTrainingSpec(r.spec) || r.fold) return {};
  const folds = r.spec.training.crossValidation?.folds;
  if (folds === undefined) return {};
  return { foldJobIds: Array.from({ length: folds }, (_, i) => foldJobId(r.id, i)) };
}
