// The Lua steps of the sweep store (store/sweeps.ts, issue 17): every change to a sweep that
// touches more than one field or key happens in one of these. Numbers (metrics, rung values) go
// in and out as the strings JavaScript wrote, never through cjson (which keeps 14 digits).
// Not called from elsewhere.

const trialEnds = `{succeeded = true, failed = true, pruned = true, cancelled = true}`;

// KEYS: sweep hash, all-sweeps set, the running set, trials hash, jobs hash. ARGV: id, the
// number of sweep fields n, n field/value pairs, then per trial: job id, params JSON, spec JSON
// (trial i is the i-th). Creates the sweep and all its trials pending (no job yet). Returns 'ok'
// or 'exists'.
export const createScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
local n = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], unpack(ARGV, 3, 2 + 2 * n))
local index = 0
for i = 3 + 2 * n, #ARGV, 3 do
  redis.call('HSET', KEYS[4], index .. ':job', ARGV[i], index .. ':params', ARGV[i + 1],
    index .. ':spec', ARGV[i + 2], index .. ':status', 'pending', index .. ':epochs', 0)
  redis.call('HSET', KEYS[5], ARGV[i], index)
  index = index + 1
end
redis.call('HSET', KEYS[1], 'n:pending', index)
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
return 'ok'
`;

// KEYS: sweep hash, trials hash. The pending trials that may start now, in index order, as
// [index, job id, spec JSON] triples: the first \`parallel\` trials not ended (by index) are the
// ones that run, so lower trials go first and at most \`parallel\` are queued or running. Empty
// when the sweep is not running.
export const windowScript = `
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return {} end
local total = tonumber(redis.call('HGET', KEYS[1], 'trialCount'))
local parallel = tonumber(redis.call('HGET', KEYS[1], 'parallel'))
local ends = ${trialEnds}
local open, out = 0, {}
for index = 0, total - 1 do
  if open >= parallel then break end
  local status = redis.call('HGET', KEYS[2], index .. ':status')
  if not ends[status] then
    open = open + 1
    if status == 'pending' then
      out[#out + 1] = index
      out[#out + 1] = redis.call('HGET', KEYS[2], index .. ':job')
      out[#out + 1] = redis.call('HGET', KEYS[2], index .. ':spec')
    end
  end
end
return out
`;

// KEYS: sweep hash, trials hash. ARGV: index. A pending trial's job is queued: 'ok', 'missing',
// or the trial's status when it is not pending.
export const launchedScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local current = redis.call('HGET', KEYS[2], ARGV[1] .. ':status')
if not current then return 'missing' end
if current ~= 'pending' then return current end
redis.call('HSET', KEYS[2], ARGV[1] .. ':status', 'queued')
redis.call('HINCRBY', KEYS[1], 'n:pending', -1)
redis.call('HINCRBY', KEYS[1], 'n:queued', 1)
return 'ok'
`;

// KEYS: sweep hash, trials hash, the sweep's rungs set, the rung's hash (index → value). ARGV:
// rung epoch, index, value. Records the trial's value at the rung (the first value stays: a
// resumed try records the same), raises its epochs reached to the rung's, then reads its peers
// as spec/asha.ts's rungPeers does: {'ready', values of the lower trials that reached the rung,
// in index order} (a lower trial that ended without reaching it left out), or {'wait'} while a
// lower trial is still on its way. nil when the sweep or the trial is not there.
export const recordRungScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local index = tonumber(ARGV[2])
if not redis.call('HGET', KEYS[2], index .. ':status') then return nil end
-- a sweep that ended (cancelled) keeps no rungs: its trials are being stopped anyway
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return {'ready'} end
redis.call('HSETNX', KEYS[4], index, ARGV[3])
redis.call('SADD', KEYS[3], ARGV[1])
local epochs = tonumber(redis.call('HGET', KEYS[2], index .. ':epochs') or '0')
if tonumber(ARGV[1]) > epochs then redis.call('HSET', KEYS[2], index .. ':epochs', ARGV[1]) end
local ends = ${trialEnds}
local out = {'ready'}
for j = 0, index - 1 do
  local value = redis.call('HGET', KEYS[4], j)
  if value then
    out[#out + 1] = value
  elseif not ends[redis.call('HGET', KEYS[2], j .. ':status')] then
    return {'wait'}
  end
end
return out
`;

// KEYS: sweep hash, jobs hash, trials hash. ARGV: job id. A queued (or pending) trial starts:
// 'ok', 'missing', or the trial's status when it is neither.
export const trialStartedScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local index = redis.call('HGET', KEYS[2], ARGV[1])
if not index then return 'missing' end
local current = redis.call('HGET', KEYS[3], index .. ':status')
if current ~= 'queued' and current ~= 'pending' then return current end
redis.call('HSET', KEYS[3], index .. ':status', 'running')
redis.call('HINCRBY', KEYS[1], 'n:' .. current, -1)
redis.call('HINCRBY', KEYS[1], 'n:running', 1)
return 'ok'
`;

// KEYS: sweep hash, jobs hash, trials hash. ARGV: job id, the trial's final status, its metric
// ('' for none: a failed trial, or a value not finite), its epochs reached ('' to keep), its
// model's id ('' for none).
// Ends the trial once (a trial already ended is left as it is), moves it between the counts and,
// if it succeeded with a metric strictly better than the best's by the sweep's goal, makes it
// the best (of equals, the lower index: the same best whatever order trials end in). Returns {'ok', 1 if every trial of the sweep has ended else 0}
// or 'missing'.
export const trialEndedScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local index = redis.call('HGET', KEYS[2], ARGV[1])
if not index then return 'missing' end
local current = redis.call('HGET', KEYS[3], index .. ':status')
local ends = ${trialEnds}
if not ends[current] then
  redis.call('HSET', KEYS[3], index .. ':status', ARGV[2])
  if ARGV[3] ~= '' then redis.call('HSET', KEYS[3], index .. ':metric', ARGV[3]) end
  if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], index .. ':epochs', ARGV[4]) end
  redis.call('HINCRBY', KEYS[1], 'n:' .. current, -1)
  redis.call('HINCRBY', KEYS[1], 'n:' .. ARGV[2], 1)
  redis.call('HINCRBY', KEYS[1], 'ended', 1)
  if ARGV[2] == 'succeeded' and ARGV[3] ~= '' then
    local m = tonumber(ARGV[3])
    local best = redis.call('HGET', KEYS[1], 'bestMetric')
    local goal = redis.call('HGET', KEYS[1], 'goal')
    local b = tonumber(best)
    local better = not best
      or (goal == 'minimize' and m < b)
      or (goal == 'maximize' and m > b)
      or (m == b and tonumber(index) < tonumber(redis.call('HGET', KEYS[1], 'bestIndex')))
    if better then
      redis.call('HSET', KEYS[1], 'bestJob', ARGV[1], 'bestIndex', index, 'bestMetric', ARGV[3],
        'bestParams', redis.call('HGET', KEYS[3], index .. ':params'), 'bestModel', ARGV[5])
    end
  end
end
local ended = tonumber(redis.call('HGET', KEYS[1], 'ended'))
local total = tonumber(redis.call('HGET', KEYS[1], 'trialCount'))
if ended >= total then return {'ok', 1} end
return {'ok', 0}
`;

// KEYS: sweep hash, trials hash, rungs set. ARGV: id, status-set prefix, the final status,
// finishedAt, the rungs' key prefix, the registered model's JSON ('' for none), an error (''). A running sweep ends: its rungs go (ASHA needs them only
// while trials run), and when it is cancelled its pending trials are cancelled with it.
// {'ok', the job ids of its trials still queued or running}, 'missing', or the status it
// already has.
export const finishScript = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return 'missing' end
if current ~= 'running' then return current end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'finishedAt', ARGV[4])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'model', ARGV[6]) end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[7]) end
redis.call('ZREM', ARGV[2] .. current, ARGV[1])
redis.call('ZADD', ARGV[2] .. ARGV[3], 0, ARGV[1])
for _, epoch in ipairs(redis.call('SMEMBERS', KEYS[3])) do redis.call('UNLINK', ARGV[5] .. epoch) end
redis.call('UNLINK', KEYS[3])
local out = {'ok'}
local total = tonumber(redis.call('HGET', KEYS[1], 'trialCount'))
for index = 0, total - 1 do
  local status = redis.call('HGET', KEYS[2], index .. ':status')
  if status == 'queued' or status == 'running' then
    out[#out + 1] = redis.call('HGET', KEYS[2], index .. ':job')
  elseif status == 'pending' and ARGV[3] == 'cancelled' then
    redis.call('HSET', KEYS[2], index .. ':status', 'cancelled')
    redis.call('HINCRBY', KEYS[1], 'n:pending', -1)
    redis.call('HINCRBY', KEYS[1], 'n:cancelled', 1)
    redis.call('HINCRBY', KEYS[1], 'ended', 1)
  end
end
return out
`;

// KEYS: sweep hash, trials hash, jobs hash, rungs set, all-sweeps set. ARGV: id, status-set
// prefix, the rungs' key prefix. Deletes an ended sweep and every key it has: 'ok', 'missing',
// or 'running'. (The trials' jobs and models are the job store's.)
export const deleteScript = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status == 'running' then return status end
for _, epoch in ipairs(redis.call('SMEMBERS', KEYS[4])) do redis.call('UNLINK', ARGV[3] .. epoch) end
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREM', ARGV[2] .. status, ARGV[1])
return 'ok'
`;
