// The model store's Lua scripts (store/models.ts): each write of a model's record, its name's
// registry and its blob's reference count happens in one of these, so Redis applies it whole.
// Not the key names (redis.ts), nor the calls (models.ts).
import { blobRefsLua } from './blob-refs.js';
import { fencedOutLua } from './fence.js';
import { usageLua } from './usage.js';

export { dropScript } from './blob-refs.js';

// JSON of an object with `,"version":N` added before its closing brace (Lua: the version is only
// known inside the script).
const withVersionLua = `
local function withVersion(json, version)
  if version == '' then return json end
  return string.sub(json, 1, -2) .. ',"version":' .. version .. '}'
end
`;

// KEYS: the job hash, the model, the tenant's usage, the model's summary, the tenant's model
// list, its names, the name's versions, the name's counter, the blob refs, the blobs being
// deleted.
// ARGV: fence, usage item, document JSON, summary JSON, id, name ('' for none), the blob ('' for
// weights inline), the blob's bytes.
// A worker's save is fenced: a try that lost its job writes no model. 'deleting' (nothing
// written) while the blob is being deleted: put it again, then save. Else {version, the blob
// the model named before if no record names it any more ('' if none)}.
export const saveScript = `${fencedOutLua}${usageLua}${withVersionLua}${blobRefsLua}
if fencedOut(KEYS[1], ARGV[1]) then return 'fenced' end
local blob = ARGV[7]
if blob ~= '' and beingDeleted(KEYS[10], blob) then return 'deleting' end
local old = redis.call('HGET', KEYS[4], 'blob') or ''
local version = ''
if ARGV[6] ~= '' then
  version = redis.call('HGET', KEYS[4], 'version')
  if not version or version == '' then version = tostring(redis.call('INCR', KEYS[8])) end
  redis.call('HSET', KEYS[7], version, ARGV[5])
  redis.call('ZADD', KEYS[6], 0, ARGV[6])
end
local doc = withVersion(ARGV[3], version)
redis.call('SET', KEYS[2], doc)
redis.call('HSET', KEYS[4], 'json', withVersion(ARGV[4], version), 'name', ARGV[6], 'version', version, 'blob', blob)
redis.call('ZADD', KEYS[5], 0, ARGV[5])
charge(KEYS[3], ARGV[2], string.len(doc) + tonumber(ARGV[8]))
local drop = ''
if old ~= blob then
  if blob ~= '' then redis.call('HINCRBY', KEYS[9], blob, 1) end
  if old ~= '' then drop = unref(KEYS[9], KEYS[10], old) end
end
return {version, drop}
`;

// KEYS: the model, its summary, the model list, usage, the name's versions, its aliases, names,
// the blob refs, the blobs being deleted.
// ARGV: id, version ('' for an unnamed model), name.
// Refused while an alias points at the version: 'aliased:<alias>'. Else {'ok', the model's blob
// when no record names it any more ('' if none)}.
export const deleteScript = `${usageLua}${blobRefsLua}
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
if ARGV[2] ~= '' then
  local aliases = redis.call('HGETALL', KEYS[6])
  for i = 1, #aliases, 2 do
    if aliases[i + 1] == ARGV[2] then return 'aliased:' .. aliases[i] end
  end
  redis.call('HDEL', KEYS[5], ARGV[2])
  if redis.call('HLEN', KEYS[5]) == 0 then redis.call('ZREM', KEYS[7], ARGV[3]) end
end
local blob = redis.call('HGET', KEYS[2], 'blob') or ''
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
release(KEYS[4], 'model:' .. ARGV[1])
local drop = ''
if blob ~= '' then drop = unref(KEYS[8], KEYS[9], blob) end
return {'ok', drop}
`;

// KEYS: the name's versions, its aliases. ARGV: alias, version. 'ok', or 'no_version'.
export const setAliasScript = `
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then return 'no_version' end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 'ok'
`;

// KEYS: the name's versions, its aliases. ARGV: the kind (version, alias, latest) and its value.
// The model id, or false: the alias and version read together, so a moving alias never
// resolves half-way.
export const resolveScript = `
local version = ARGV[2]
if ARGV[1] == 'alias' then
  version = redis.call('HGET', KEYS[2], ARGV[2])
  if not version then return false end
elseif ARGV[1] == 'latest' then
  local best = 0
  for _, v in ipairs(redis.call('HKEYS', KEYS[1])) do
    local n = tonumber(v)
    if n > best then best = n end
  end
  if best == 0 then return false end
  version = tostring(best)
end
return redis.call('HGET', KEYS[1], version)
`;
