// The kinds of job, by the name a job carries (spec/job-contract.ts jobKinds). Adding a kind:
// its name there, its file here in src/jobs/ (a Kind, kind.ts), and its line below.
import type { JobKind, JobPayload } from '../spec/index.js';
import { batchPredictions } from './batch-predictions.js';
import type { Kind } from './kind.js';
import { training } from './training.js';

export const kinds = {
  training,
  'batch-predictions': batchPredictions,
} satisfies Record<JobKind, Pick<Kind<unknown>, 'run'>>;

/** The kind of a queued job (one queued before kinds existed is training). */
export function kindOf(job: Pick<JobPayload, 'kind'>): Pick<Kind<unknown>, 'run'> {
  return kinds[job.kind ?? 'training'];
}
