// One job spec everywhere: the body of POST /v1/jobs and the file `backprop train` reads.
// { network, dataset, training }; the training block is optional and fully defaulted.
import { z } from 'zod';
import { datasetSchema } from './dataset.js';
import { parseOrThrow } from './issues.js';
import { modelNamingSchema } from './model-ref.js';
import { type NetworkSpec, networkInputSchema } from './network.js';
import { type ResolvedTraining, trainingSchema } from './training.js';

export const webhookEventNames = ['status', 'done', 'failed', 'cancelled', 'epoch'] as const;

/** Where the service tells a job's news (signed, Standard Webhooks); the CLI ignores it. */
export const webhookSchema = z
  .strictObject({
    url: z
      .string()
      .max(2000)
      .refine((text) => {
        try {
          const url = new URL(text);
          return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username;
        } catch {
          return false;
        }
      }, 'must be an absolute http(s) URL without credentials, such as https://example.com/hooks/backprop'),
    events: z
      .array(z.enum(webhookEventNames))
      .min(1)
      .max(webhookEventNames.length)
      .refine((events) => new Set(events).size === events.length, 'must not repeat an event')
      .default(['status', 'done', 'failed', 'cancelled'])
      .describe('`epoch` is sent at most once per WEBHOOK_EPOCH_INTERVAL_MS (the latest epoch)'),
  })
  .meta({ id: 'Webhook' });

export type WebhookSpec = z.output<typeof webhookSchema>;

export const jobSchema = z.strictObject({
  network: networkInputSchema.optional(),
  dataset: datasetSchema,
  training: trainingSchema.optional(),
  webhook: webhookSchema.optional(),
  /** The name (and tags, description) its model is registered under: the name's next version. */
  model: modelNamingSchema.optional(),
});

export type JobSpec = z.output<typeof jobSchema>;

/** A job spec made whole: its network complete, every training default filled in, the seed fixed. */
export interface ResolvedJob extends Omit<JobSpec, 'training' | 'network'> {
  network: NetworkSpec;
  training: ResolvedTraining;
}

/** Validates a job spec; throws a ValidationError naming every bad field. */
export function parseJob(value: unknown): JobSpec {
  return parseOrThrow(jobSchema, value);
}
