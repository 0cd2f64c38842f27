// Each running job's latest checkpoint (engine TrainCheckpoint): one Redis hash per job, replaced
// whole in one Lua step, so a reader sees the previous checkpoint or the next, never half of one.
// Its arrays (sample order, W, b, optimizer slots, best weights) are one checkpoint file
// (spec/checkpoint-file.ts) in the blob store (issue 16), the hash keeping the rest as JSON
// (doubles round-trip) and the blob's `{blob, bytes}`; the blob's reference count (blob-refs.ts)
// changes in the script that replaces or deletes the hash, so a replaced checkpoint's blob goes,
// and so does the last one's when its job ends (job-scripts.ts). A hash that expires by its TTL
// leaves its blob to the orphan sweep (blob-sweep.ts). Checkpoints written before issue 16, or by
// a store made without a blob store, hold their arrays' raw bytes in the hash: both are read.
// The model's bounded history rides along: the event stream it was once rebuilt from is trimmed.
import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import type { EpochReport, Parameters, TrainCheckpoint } from '../engine/index.js';
import { decodeCheckpointFile, encodeCheckpointFile } from '../spec/checkpoint-file.js';
import type { HistoryState } from '../spec/history.js';
import { blobRefs, blobRefsLua } from './blob-refs.js';
import type { BlobStore } from './blobs/index.js';
import { type Fence, fencedOutLua } from './fence.js';
import type { Keys } from './redis.js';

/** A checkpoint with the history of the epochs it has completed. */
export type StoredCheckpoint = TrainCheckpoint & { history?: HistoryState };

// KEYS: job hash, checkpoint, the blob refs, the blobs being deleted. ARGV: fence, TTL (0:
// none), the blob ('' for arrays inline), field/value pairs. Replaces the checkpoint whole unless
// the try lost the job ('fenced') or its blob is being deleted ('deleting': put it again, then
// save). Else {'ok', the previous checkpoint's blob when no record names it any more ('' if none)}.
const saveScript = `${fencedOutLua}${blobRefsLua}
if fencedOut(KEYS[1], ARGV[1]) then return 'fenced' end
local blob = ARGV[3]
if blob ~= '' and beingDeleted(KEYS[4], blob) then return 'deleting' end
local old = redis.call('HGET', KEYS[2], 'blob') or ''
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 4, #ARGV))
if tonumber(ARGV[2]) > 0 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
local drop = ''
if old ~= blob then
  if blob ~= '' then redis.call('HINCRBY', KEYS[3], blob, 1) end
  if old ~= '' then drop = unref(KEYS[3], KEYS[4], old) end
end
return {'ok', drop}
`;

// KEYS: checkpoint, the blob refs, the blobs being deleted. Deletes the checkpoint; its blob
// when no record names it any more ('' if none).
const deleteScript = `${blobRefsLua}
local blob = redis.call('HGET', KEYS[1], 'blob') or ''
redis.call('DEL', KEYS[1])
if blob == '' then return '' end
return unref(KEYS[2], KEYS[3], blob)
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

/**
 * `ttlSeconds` (0: none) bounds how long a checkpoint of a job nobody finishes can linger. With
 * `blobs`, the arrays go to the blob store; without (tests of other parts), inline in the hash.
 */
export function createCheckpointStore(redis: Redis, keys: Keys, ttlSeconds = 0, blobs?: BlobStore) {
  const refs = blobRefs(redis, keys, blobs);
  const { deleteBlob } = refs;

  // Replaces the hash with `fields` in one script, then deletes the blob of the checkpoint it
  // replaced. The checkpoint is written by then: a blob store failing now only leaves that blob
  // to the orphan sweep (blob-sweep.ts), not the try to fail.
  async function write(
    jobId: string,
    fence: Fence,
    blob: string,
    fields: Record<string, string | Buffer | number>,
  ): Promise<'ok' | 'fenced' | 'deleting'> {
    const answer = (await redis.eval(
      saveScript,
      4,
      keys.job(jobId),
      keys.checkpoint(jobId),
      keys.blobRefs,
      keys.blobDeleting,
      fence,
      ttlSeconds,
      blob,
      ...Object.entries(fields).flat(),
    )) as 'fenced' | 'deleting' | [string, string];
    if (typeof answer === 'string') return answer;
    await deleteBlob(answer[1]).catch(() => {});
    return 'ok';
  }

  async function saveInBlob(
    store: BlobStore,
    jobId: string,
    c: TrainCheckpoint,
    fence: Fence,
    meta: string,
  ): Promise<'ok' | 'fenced'> {
    // the file's chunks are a generator, read once: made again for each put
    const arrays = { order: c.order, params: c.params, slots: c.optimizer.slots, best: c.best };
    return refs.putAndRecord(
      store,
      () => Readable.from(encodeCheckpointFile(arrays).chunks, { objectMode: false }),
      (put) => write(jobId, fence, put.sha256, { meta, blob: put.sha256, bytes: put.bytes }),
    );
  }

  return {
    /** 'fenced' (nothing written, no blob left) when `fence` is no longer the job's. */
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
      if (blobs) return saveInBlob(blobs, jobId, c, fence, JSON.stringify(meta));
      const fields: Record<string, string | Buffer> = {
        meta: JSON.stringify(meta),
        order: bytesOf([c.order]),
        params: bytesOf([...c.params.W, ...c.params.b]),
        optimizer: bytesOf(c.optimizer.slots),
      };
      if (c.best) fields.best = bytesOf([...c.best.W, ...c.best.b]);
      // no blob, so never 'deleting'
      return (await write(jobId, fence, '', fields)) as 'ok' | 'fenced';
    },

    async load(jobId: string): Promise<StoredCheckpoint | null> {
      const h = await redis.hgetallBuffer(keys.checkpoint(jobId));
      if (!h.meta) return null;
      const meta = JSON.parse(h.meta.toString('utf8')) as Meta;
      const arrays = h.blob
        ? await arraysOf(jobId, h.blob.toString('utf8'))
        : {
            order: new Uint32Array(new Uint8Array(h.order!).buffer),
            params: paramsFrom(h.params!, meta),
            slots: floatsFrom(h.optimizer!, meta.slots),
            best: meta.hasBest ? paramsFrom(h.best!, meta) : null,
          };
      return {
        epoch: meta.epoch,
        position: meta.position,
        errorSum: meta.errorSum,
        correct: meta.correct,
        random: meta.random,
        order: arrays.order,
        params: arrays.params,
        optimizer: { steps: meta.optimizerSteps, slots: arrays.slots },
        best: arrays.best,
        bestError: meta.bestError ?? Number.POSITIVE_INFINITY,
        ...(meta.bestReport ? { bestReport: meta.bestReport } : {}),
        ...(meta.last ? { last: meta.last } : {}),
        sinceBest: meta.sinceBest,
        calm: meta.calm,
        elapsedMs: meta.elapsedMs,
        ...(meta.history ? { history: meta.history } : {}),
      };
    },

    /** Deletes the job's checkpoint and its blob (when no other record names it). */
    async delete(jobId: string): Promise<void> {
      const drop = (await redis.eval(
        deleteScript,
        3,
        keys.checkpoint(jobId),
        keys.blobRefs,
        keys.blobDeleting,
      )) as string;
      await deleteBlob(drop);
    },
  };

  // The arrays of a checkpoint that keeps them in the blob store.
  async function arraysOf(jobId: string, blob: string) {
    const stream = blobs ? await blobs.get(blob) : null;
    if (!stream)
      throw new Error(`job ${jobId}: its checkpoint file ${blob} is not in the blob store`);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return decodeCheckpointFile(Buffer.concat(chunks));
  }
}

export type CheckpointStore = ReturnType<typeof createCheckpointStore>;
