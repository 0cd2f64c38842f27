// The dataset store's Lua scripts (store/datasets.ts): a dataset's record, its blobs' reference
// counts and the tenant's usage change together in one of these, so Redis applies them whole.
// A record names up to two blobs: `blob`, its data (a dataset file), and while it is processing
// `source`, the upload it is being read from. Not the key names (redis.ts), nor the calls.
import { blobRefsLua } from './blob-refs.js';
import { usageLua } from './usage.js';

// KEYS: the dataset, the tenant's usage, the blob refs, the blobs being deleted, the tenant's
// dataset list. ARGV: usage item, meta JSON, the blob, the bytes to charge, the id.
// 'deleting' (nothing written) while the blob is being deleted: put it again, then save.
export const saveScript = `${usageLua}${blobRefsLua}
if beingDeleted(KEYS[4], ARGV[3]) then return 'deleting' end
redis.call('ZADD', KEYS[5], 0, ARGV[5])
redis.call('HSET', KEYS[1], 'meta', ARGV[2], 'blob', ARGV[3])
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
charge(KEYS[2], ARGV[1], tonumber(ARGV[4]))
return 'ok'
`;

// KEYS: the dataset, the blob refs, the blobs being deleted, the tenant's dataset list.
// ARGV: meta JSON, the upload's blob (its own: salted, never shared), the id.
export const pendingScript = `${blobRefsLua}
redis.call('ZADD', KEYS[4], 0, ARGV[3])
redis.call('HSET', KEYS[1], 'meta', ARGV[1], 'source', ARGV[2])
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
return 'ok'
`;

// A processing dataset made ready. KEYS and ARGV as saveScript's (the list unchanged). 'gone' when the dataset is no
// longer processing (deleted meanwhile, or finished by another try); else {'ok', the upload's
// blob when no record names it any more ('' if one does)}.
export const finishScript = `${usageLua}${blobRefsLua}
local source = redis.call('HGET', KEYS[1], 'source')
if not source then return 'gone' end
if beingDeleted(KEYS[4], ARGV[3]) then return 'deleting' end
redis.call('HSET', KEYS[1], 'meta', ARGV[2], 'blob', ARGV[3])
redis.call('HDEL', KEYS[1], 'source')
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
charge(KEYS[2], ARGV[1], tonumber(ARGV[4]))
return {'ok', unref(KEYS[3], KEYS[4], source)}
`;

// A processing dataset failed. KEYS: the dataset, the blob refs, the blobs being deleted.
// ARGV: meta JSON. 'gone' as finishScript's; else {'ok', the upload's blob to delete or ''}.
export const failScript = `${blobRefsLua}
local source = redis.call('HGET', KEYS[1], 'source')
if not source then return 'gone' end
redis.call('HSET', KEYS[1], 'meta', ARGV[1])
redis.call('HDEL', KEYS[1], 'source')
return {'ok', unref(KEYS[2], KEYS[3], source)}
`;

// KEYS: the dataset, the tenant's usage, the blob refs, the blobs being deleted, the tenant's
// dataset list. ARGV: usage item, the id. {0} when there was no dataset; else {1, the blobs no
// record names any more…}.
export const deleteScript = `${usageLua}${blobRefsLua}
redis.call('ZREM', KEYS[5], ARGV[2])
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local named = redis.call('HMGET', KEYS[1], 'blob', 'source')
redis.call('UNLINK', KEYS[1])
release(KEYS[2], ARGV[1])
local answer = {1}
for i = 1, 2 do
  if named[i] then
    local drop = unref(KEYS[3], KEYS[4], named[i])
    if drop ~= '' then table.insert(answer, drop) end
  end
end
return answer
`;
