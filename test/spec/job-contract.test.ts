// The job's contract: the record parses as stored, its view is derived from it, and the types
// the engine defines on its own (an epoch's report, the resolved training) stay equal to the
// contract's (checked by tsc: a drift fails the type-check, not only this run).
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { EpochReport } from '../../src/engine/index.js';
import {
  type EpochEvent,
  type JobRecord,
  type JobSpecRecord,
  jobEventSchema,
  jobPayloadSchema,
  jobRecordSchema,
  jobView,
  jobViewSchema,
  type ResolvedTraining,
  resolveTraining,
} from '../../src/spec/index.js';

const spec: JobSpecRecord = {
  network: {
    inputSize: 2,
    layers: [{ units: 1, activation: 'sigmoid' }],
    divergence: 'binary_cross_entropy',
  },
  dataset: { generator: 'xor' },
  training: resolveTraining({ epochs: 3, seed: 7 }),
};
const queued: JobRecord = { id: 'j1', status: 'queued', spec, createdAt: '2026-12-04T00:00:00Z' };

describe('the job contract', () => {
  it('keeps the engine’s epoch report and training options equal to its own', () => {
    expectTypeOf<Omit<EpochEvent, 'type'>>().toEqualTypeOf<EpochReport>();
    // the record's training is the engine's options and the held-out fraction (mutually assignable:
    // toEqualTypeOf does not see an intersection as equal to the object it spells)
    expectTypeOf<JobSpecRecord['training']>().toExtend<ResolvedTraining>();
    expectTypeOf<ResolvedTraining>().toExtend<JobSpecRecord['training']>();
  });

  it('reads a record, a payload and events as the store and the queue hold them', () => {
    expect(jobRecordSchema.parse(queued)).toEqual(queued);
    expect(jobPayloadSchema.parse({ jobId: 'j1', tenant: 'default', spec }).kind).toBeUndefined();
    const failed = { type: 'failed', error: { code: 'diverged', message: 'NaN' }, at: 'now' };
    expect(jobEventSchema.parse(failed)).toEqual(failed);
    expect(() =>
      jobEventSchema.parse({ ...failed, error: { code: 'oops', message: '' } }),
    ).toThrow();
  });

  it('shows a job through a view derived from its record', () => {
    const view = jobView({
      ...queued,
      ownedDataset: 'd1',
      idempotencyKey: 'k',
      fence: '3',
    } as never);
    expect(jobViewSchema.parse(view)).toEqual(view);
    expect(view).toEqual({
      id: 'j1',
      status: 'queued',
      spec,
      seed: 7,
      progress: { epoch: 0, epochs: 3, error: null },
      createdAt: '2026-12-04T00:00:00Z',
    });
  });
});
