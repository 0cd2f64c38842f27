// The Lua steps of the job store (store/jobs.ts): each job's state change, with its events,
// its fence check and what it owns, happens in one of these. Not called from elsewhere.
import { finalStatuses } from '../spec/index.js';
import { blobRefsLua } from './blob-refs.js';
import { appendLua } from './events.js';
import { fencedOutLua } from './fence.js';
import { usageLua } from './usage.js';

// KEYS: job hash, event stream, all-jobs set, target status set, the service's counts by status.
// ARGV: cap on the target set (0: none), the status, stream maxlen, then field/value pairs; the
// first event's JSON last. Returns 'ok', 'exists' or 'full'.
export const createScript = `${appendLua}
if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
local cap = tonumber(ARGV[1])
if cap > 0 and redis.call('ZCARD', KEYS[4]) >= cap then return 'full' end
redis.call('HSET', KEYS[1], unpack(ARGV, 4, #ARGV - 1))
redis.call('ZADD', KEYS[3], 0, redis.call('HGET', KEYS[1], 'id'))
redis.call('ZADD', KEYS[4], 0, redis.call('HGET', KEYS[1], 'id'))
redis.call('HINCRBY', KEYS[5], ARGV[2], 1)
appendEvent(KEYS[2], tonumber(ARGV[3]), ARGV[#ARGV])
return 'ok'
`;

// A checkpoint's blob, unreferenced as its hash is deleted (blob-refs.ts): the blob's key when
// no record names it any more, for the caller to delete, else ''.
const dropCheckpointLua = `
local function dropCheckpoint(checkpoint, refs, deleting)
  local blob = redis.call('HGET', checkpoint, 'blob')
  redis.call('DEL', checkpoint)
  if not blob then return '' end
  return unref(refs, deleting, blob)
end
`;

// What a job owns goes when it finishes: its checkpoint (answering its blob, as dropCheckpoint)
// and inline dataset (and that one's bytes from the tenant's usage) at once; its record, stream,
// model-id claim and Idempotency-Key expire after the TTL (0: kept), when the sweep takes it off
// the lists. KEYS as transition's.
const finishLua = `${blobRefsLua}${dropCheckpointLua}
local function finish(id, ttl, datasetPrefix, idempotencyPrefix)
  local drop = dropCheckpoint(KEYS[6], KEYS[8], KEYS[9])
  local owned = redis.call('HGET', KEYS[1], 'ownedDataset')
  if owned then
    redis.call('UNLINK', datasetPrefix .. owned)
    release(KEYS[5], 'dataset:' .. owned)
  end
  if ttl <= 0 then return drop end
  -- a batch-predictions job's output (store/outputs.ts: the record's key and ':output')
  for _, key in ipairs({KEYS[1], KEYS[2], KEYS[7], KEYS[1] .. ':output'}) do
    redis.call('EXPIRE', key, ttl)
  end
  -- an Idempotency-Key must not outlive the job it names
  local idempotency = redis.call('HGET', KEYS[1], 'idempotencyKey')
  if idempotency then redis.call('EXPIRE', idempotencyPrefix .. idempotency, ttl, 'LT') end
  local t = redis.call('TIME')
  redis.call('ZADD', KEYS[4], tonumber(t[1]) + ttl, id)
  return drop
end
`;

// KEYS: job hash, event stream, the service's counts by status, the tenant's expiring-jobs set,
// its usage hash, the job's checkpoint, its model-id claim, the blob refs, the blobs being
// deleted. ARGV: id, status-set prefix, allowed from (comma list), to, event count n, TTL of a
// finished job (-1: not finishing), cap on the target status set (0: none), fence ('' for none),
// stream maxlen, dataset key prefix, idempotency key prefix, n event JSONs, then field/value
// pairs. Returns {'ok', the checkpoint's blob to delete ('' for none)}, 'full' (the target set
// holds cap jobs), 'fenced', the current status, or 'missing'.
export const transitionScript = `${fencedOutLua}${appendLua}${usageLua}${finishLua}
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return 'missing' end
if fencedOut(KEYS[1], ARGV[8]) then return 'fenced' end
local allowed = false
for s in string.gmatch(ARGV[3], '[^,]+') do if s == current then allowed = true end end
if not allowed then return current end
local cap = tonumber(ARGV[7])
if cap > 0 and redis.call('ZCARD', ARGV[2] .. ARGV[4]) >= cap then return 'full' end
local n = tonumber(ARGV[5])
local fields = {'status', ARGV[4]}
for i = 12 + n, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZREM', ARGV[2] .. current, ARGV[1])
redis.call('ZADD', ARGV[2] .. ARGV[4], 0, ARGV[1])
redis.call('HINCRBY', KEYS[3], current, -1)
redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
for i = 12, 11 + n do appendEvent(KEYS[2], tonumber(ARGV[9]), ARGV[i]) end
local ttl = tonumber(ARGV[6])
local drop = ''
if ttl >= 0 then drop = finish(ARGV[1], ttl, ARGV[10], ARGV[11]) end
return {'ok', drop}
`;

// KEYS: the tenant's expiring-jobs set, all-jobs set, the service's counts by status, the
// tenant's usage. ARGV: status-set prefix, most to sweep. Takes finished jobs past their TTL off
// the lists (their keys have expired) and out of the counts, and their outputs out of the usage.
export const sweepScript = `${usageLua}
local now = tonumber(redis.call('TIME')[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  release(KEYS[4], 'output:' .. id)
  for _, s in ipairs({${finalStatuses.map((s) => `'${s}'`).join(', ')}}) do
    if redis.call('ZREM', ARGV[1] .. s, id) == 1 then redis.call('HINCRBY', KEYS[3], s, -1) end
  end
end
return #ids
`;

// KEYS: job hash, event stream, checkpoint, model-id claim, all-jobs set, expiring-jobs set,
// the service's counts, the tenant's usage, the blob refs, the blobs being deleted. ARGV: id,
// status-set prefix, dataset key prefix, idempotency key prefix. Deletes a finished job and all
// it owns (not its model); returns {'ok', a checkpoint's blob to delete ('' for none)},
// 'missing' or the status of a job not finished.
export const removeScript = `${usageLua}${blobRefsLua}${dropCheckpointLua}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
local finished = {${finalStatuses.map((s) => `${s} = true`).join(', ')}}
if not finished[status] then return status end
local owned = redis.call('HGET', KEYS[1], 'ownedDataset')
if owned then
  redis.call('UNLINK', ARGV[3] .. owned)
  release(KEYS[8], 'dataset:' .. owned)
end
local key = redis.call('HGET', KEYS[1], 'idempotencyKey')
if key then
  local entry = redis.call('GET', ARGV[4] .. key)
  if entry and cjson.decode(entry).jobId == ARGV[1] then redis.call('DEL', ARGV[4] .. key) end
end
-- none left normally (the job's end dropped it), but a blob must never outlive its record
local drop = dropCheckpoint(KEYS[3], KEYS[9], KEYS[10])
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[4], KEYS[1] .. ':output')
release(KEYS[8], 'output:' .. ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREM', KEYS[6], ARGV[1])
redis.call('ZREM', ARGV[2] .. status, ARGV[1])
redis.call('HINCRBY', KEYS[7], status, -1)
return {'ok', drop}
`;

// KEYS: job hash. A try takes the running job: a new fence, the progress written so far (read
// in the same step, so no write of an earlier try lands after it) and whether a cancel was
// asked for. nil if not running.
export const claimScript = `
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return nil end
local fence = redis.call('HINCRBY', KEYS[1], 'fence', 1)
local progress = redis.call('HGET', KEYS[1], 'progress') or ''
return {tostring(fence), progress, redis.call('HGET', KEYS[1], 'cancelRequested') or ''}
`;

/** How many expired jobs one sweep takes off the lists at most. */
export const sweepBatch = 100;

// KEYS: job hash, event stream, all-jobs set, queued set, the service's counts by status. ARGV:
// id. Takes back a job created but never queued; returns 'ok', or the status it has moved on to
// (a worker took it after all), or 'missing'.
export const discardScript = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return 'missing' end
if current ~= 'queued' then return current end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HINCRBY', KEYS[5], 'queued', -1)
return 'ok'
`;

// KEYS: job hash. ARGV: fence, spec JSON. 'ok', or 'fenced' (nothing written).
export const setSpecScript = `${fencedOutLua}
if fencedOut(KEYS[1], ARGV[1]) then return 'fenced' end
redis.call('HSET', KEYS[1], 'spec', ARGV[2])
return 'ok'
`;
