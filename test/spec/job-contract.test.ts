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
      kind: 'training',
      status: 'queued',
      spec,
      seed: 7,
      progress: { epoch: 0, epochs: 3, error: null },
      createdAt: '2026-12-04T00:00:00Z',
    });
  });

  it('reads a batch-predictions job beside training ones (issue 15), its view with rows and output', () => {
    const batch = {
      kind: 'batch-predictions' as const,
      model: { id: 'm1', ref: 'penguins@production' },
      dataset: { id: 'd1' },
    };
    const record: JobRecord = {
      id: 'j2',
      status: 'succeeded',
      spec: batch,
      progress: { rows: 344, of: 344 },
      createdAt: '2026-12-04T00:00:00Z',
    };
    expect(jobRecordSchema.parse(record)).toEqual(record);
    // a training spec stays one (its record and payload as before kinds), and a batch one is
    // not read as training
    expect(jobRecordSchema.parse(queued).spec).toEqual(spec);
    expect(
      jobPayloadSchema.parse({ jobId: 'j2', tenant: 't', spec: batch, kind: 'batch-predictions' })
        .spec,
    ).toEqual(batch);
    const view = jobView(record);
    expect(jobViewSchema.parse(view)).toEqual(view);
    expect(view).toEqual({
      id: 'j2',
      kind: 'batch-predictions',
      status: 'succeeded',
      spec: batch,
      progress: { rows: 344, of: 344 },
      output: '/v1/jobs/j2/output',
      createdAt: '2026-12-04T00:00:00Z',
    });
    expect(jobView({ ...record, status: 'running' }).output).toBeUndefined();
    const events = [
      { type: 'progress', rows: 1000, of: 2000, at: 'now' },
      { type: 'done', rows: 2000, output: '/v1/jobs/j2/output', at: 'now' },
      { type: 'cancelled', epoch: 0, rows: 1000, at: 'now' },
    ];
    for (const event of events) expect(jobEventSchema.parse(event)).toEqual(event);
  });
});
