// What every route that submits a job shares (POST /v1/jobs, batch predictions, reproduce): the
// Idempotency-Key header, and the answer — 202 with the new job, or 200 with the job a retried
// key already made, as it is now — with its Location.
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { type JobRecord, jobView } from '../spec/index.js';
import type { Stores } from '../store/index.js';

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
});

/** 202 and the job just made; 200 and the job as it is now for a retried Idempotency-Key. */
export async function sendSubmitted(
  reply: FastifyReply,
  stores: Stores,
  { record, created }: { record: JobRecord; created: boolean },
) {
  const current = created ? record : ((await stores.jobs.get(record.id)) ?? record);
  return reply
    .code(created ? 202 : 200)
    .header('location', `/v1/jobs/${record.id}`)
    .send(jobView(current));
}
