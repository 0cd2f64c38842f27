// Each running job's latest checkpoint (engine TrainCheckpoint): one Redis hash per job, replaced
// whole in one MULTI, so a reader sees the previous checkpoint or the next, never half of one.
// Float buffers are stored as their raw bytes (exact); the rest as JSON (doubles round-trip).
// The model's bounded history rides along: the event stream it was once rebuilt from is trimmed.
import type { Redis } from 'ioredis';
import type { EpochReport, Parameters, TrainCheckpoint } from '../engine/index.js';
import type { HistoryState } from '../spec/history.js';
import { type Fence, fencedOutLua } from './fence.js';
import type { Keys } from './redis.js';

/** A checkpoint with the history of the epochs it has completed. */
export type StoredCheckpoint = TrainCheckpoint & { history?: HistoryState };

// KEYS: job hash, checkpoint. ARGV: fence, TTL (0: none), field/value pairs. Replaces the
// checkpoint whole unless the try lost the job.
const saveScript = `${fencedOutLua}
if fencedOut(KEYS[1], ARGV[1]) then return 'fenced' end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 3, #ARGV))
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return 'ok'
`;

interface Meta {
  epoch: number;
  position: number;
  errorSum: number;
  correct: number;
  random: number;
  optimizerSteps: number;
  /** Float counts of every buffer, in the order they are concatenated. */
  W: number[];
  b: number[];
  slots: number[];
  hasBest: boolean;
  /** null for +Infinity (no validation error yet), which JSON cannot carry. */
  bestError: number | null;
  bestReport?: EpochReport;
  last?: EpochReport;
  sinceBest: number;
  calm: number;
  elapsedMs: number;
  savedAt: string;
  history?: HistoryState;
}

const bytesOf = (arrays: (Float32Array | Uint32Array)[]): Buffer =>
  Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));

function floatsFrom(buffer: Buffer, lengths: number[]): Float32Array[] {
  // copy first: a Buffer's bytes may sit at any offset of a pooled ArrayBuffer
  const all = new Float32Array(new Uint8Array(buffer).buffer);
  let at = 0;
  return lengths.map((n) => {
    const part = all.slice(at, at + n);
    at += n;
    return part;
  });
}

const paramsFrom = (buffer: Buffer, meta: Meta): Parameters => {
  const parts = floatsFrom(buffer, [...meta.W, ...meta.b]);
  return { W: parts.slice(0, meta.W.length), b: parts.slice(meta.W.length) };
};

/** `ttlSeconds` (0: none) bounds how long a checkpoint of a job nobody finishes can linger. */
export function createCheckpointStore(redis: Redis, keys: Keys, ttlSeconds = 0) {
  return {
    /** 'fenced' (nothing written) when `fence` is no longer the job's. */
    async save(
      jobId: string,
      c: TrainCheckpoint,
      fence: Fence = '',
      history?: HistoryState,
    ): Promise<'ok' | 'fenced'> {
      const meta: Meta = {
        epoch: c.epoch,
        position: c.position,
        errorSum: c.errorSum,
        correct: c.correct,
        random: c.random,
        optimizerSteps: c.optimizer.steps,
        W: c.params.W.map((w) => w.length),
        b: c.params.b.map((b) => b.length),
        slots: c.optimizer.slots.map((s) => s.length),
        hasBest: c.best !== null,
        bestError: Number.isFinite(c.bestError) ? c.bestError : null,
        ...(c.bestReport ? { bestReport: c.bestReport } : {}),
        ...(c.last ? { last: c.last } : {}),
        sinceBest: c.sinceBest,
        calm: c.calm,
        elapsedMs: c.elapsedMs,
        savedAt: new Date().toISOString(),
        ...(history ? { history } : {}),
      };
      const fields: Record<string, string | Buffer> = {
        meta: JSON.stringify(meta),
        order: bytesOf([c.order]),
        params: bytesOf([...c.params.W, ...c.params.b]),
        optimizer: bytesOf(c.optimizer.slots),
      };
      if (c.best) fields.best = bytesOf([...c.best.W, ...c.best.b]);
      return (await redis.eval(
        saveScript,
        2,
        keys.job(jobId),
        keys.checkpoint(jobId),
        fence,
        ttlSeconds,
        ...Object.entries(fields).flat(),
      )) as 'ok' | 'fenced';
    },

    async load(jobId: string): Promise<StoredCheckpoint | null> {
      const h = await redis.hgetallBuffer(keys.checkpoint(jobId));
      if (!h.meta) return null;
      const meta = JSON.parse(h.meta.toString('utf8')) as Meta;
      return {
        epoch: meta.epoch,
        position: meta.position,
        errorSum: meta.errorSum,
        correct: meta.correct,
        random: meta.random,
        order: new Uint32Array(new Uint8Array(h.order!).buffer),
        params: paramsFrom(h.params!, meta),
        optimizer: { steps: meta.optimizerSteps, slots: floatsFrom(h.optimizer!, meta.slots) },
        best: meta.hasBest ? paramsFrom(h.best!, meta) : null,
        bestError: meta.bestError ?? Number.POSITIVE_INFINITY,
        ...(meta.bestReport ? { bestReport: meta.bestReport } : {}),
        ...(meta.last ? { last: meta.last } : {}),
        sinceBest: meta.sinceBest,
        calm: meta.calm,
        elapsedMs: meta.elapsedMs,
        ...(meta.history ? { history: meta.history } : {}),
      };
    },

    async delete(jobId: string): Promise<void> {
      await redis.del(keys.checkpoint(jobId));
    },
  };
}

export type CheckpointStore = ReturnType<typeof createCheckpointStore>;
