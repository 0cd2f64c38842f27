// What every predict route shares: the tenant's cached model (404 as for a missing one), and the
// forward pass on raw rows with its float32-overflow check.
import type { FastifyInstance } from 'fastify';
import { outputSizeOf } from '../engine/index.js';
import { AppError, type Issue, ValidationError } from '../errors.js';
import type { Stores } from '../store/index.js';
import type { CachedModel } from './services.js';

export async function getModel(
  app: FastifyInstance,
  stores: Stores,
  id: string,
): Promise<CachedModel> {
  const cached = await app.services.models.get(stores, id);
  if (!cached) throw new AppError('not_found', `no model has id ${id}`);
  return cached;
}

/**
 * The forward pass on raw rows. Rows that overflow float32 inside the network (values far outside
 * the training data) have no outputs to give, and NaN cannot be sent as JSON: a 400 names them.
 * The result is the predictor's own buffer: read it before the next await.
 */
export function predictRows(
  cached: CachedModel,
  x: number[],
  rows: number,
  rowIssue: (r: number, message: string) => Issue,
): Float32Array {
  const n = outputSizeOf(cached.model.shape);
  const y = cached.predict(Float32Array.from(x), rows);
  const issues: Issue[] = [];
  for (let r = 0; r < rows && issues.length < 10; r++) {
    if (!y.subarray(r * n, (r + 1) * n).every(Number.isFinite))
      issues.push(
        rowIssue(
          r,
          'overflows 32-bit floats inside the model: its values are far outside the training data; scale them like the data the model was trained on',
        ),
      );
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return y;
}
