// The Lua steps of the sweep store (store/sweeps.ts, issue 17): every change to a sweep that
// touches more than one field or key happens in one of these. Numbers (metrics, rung values) go
// in and out as the strings JavaScript wrote, never through cjson (which keeps 14 digits).
// Not called from elsewhere.

const trialEnds = `{succeeded = true, failed = true, pruned = true, cancelled = true}`;

// KEYS: sweep hash, all-sweeps set, the running set. ARGV: id, then field/value pairs.
// Returns 'ok' or 'exists'.
export const createScript = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
return 'ok'
`;

// KEYS: sweep hash, trials hash, jobs hash. ARGV: triples index, params JSON, job id. Adds the
// trials queued, all or none: 'ok' (a trial already there with the same job is left as it is),
// 'missing', the sweep's status when it is not running, 'index' (an index past the sweep's
// trial count), 'conflict' (an index or a job id taken by another trial).
export const addTrialsScript = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status ~= 'running' then return status end
local total = tonumber(redis.call('HGET', KEYS[1], 'trialCount'))
local new, seen = {}, {}
for i = 1, #ARGV, 3 do
  local index, job = ARGV[i], ARGV[i + 2]
  if tonumber(index) >= total then return 'index' end
  if seen['i' .. index] or seen['j' .. job] then return 'conflict' end
  seen['i' .. index], seen['j' .. job] = true, true
  local had = redis.call('HGET', KEYS[2], index .. ':job')
  local owner = redis.call('HGET', KEYS[3], job)
  if had ~= job and (had or owner) then return 'conflict' end
  if not had then new[#new + 1] = i end
end
for _, i in ipairs(new) do
  local index = ARGV[i]
  redis.call('HSET', KEYS[2], index .. ':params', ARGV[i + 1], index .. ':job', ARGV[i + 2],
    index .. ':status', 'queued', index .. ':epochs', 0)
  redis.call('HSET', KEYS[3], ARGV[i + 2], index)
end
redis.call('HINCRBY', KEYS[1], 'n:queued', #new)
return 'ok'
`;

// KEYS: sweep hash, jobs hash, trials hash, the sweep's rungs set, the rung's hash (job id → its
// 1-based place), the rung's values list. ARGV: rung epoch, job id, value. The values recorded
// at the rung before this trial's, and this trial's appended after them, in one step: trials
// reaching a rung together each see the others in one order. A trial recording the same rung
// again (a resumed try) gets the same values back and appends nothing. Also raises the trial's
// epochs reached to the rung's. nil when the sweep or the trial is not there.
export const recordRungScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local index = redis.call('HGET', KEYS[2], ARGV[2])
if not index then return nil end
local place = redis.call('HGET', KEYS[5], ARGV[2])
if place then
  place = tonumber(place)
  if place == 1 then return {} end
  return redis.call('LRANGE', KEYS[6], 0, place - 2)
end
local prior = redis.call('LRANGE', KEYS[6], 0, -1)
redis.call('HSET', KEYS[5], ARGV[2], redis.call('RPUSH', KEYS[6], ARGV[3]))
redis.call('SADD', KEYS[4], ARGV[1])
local epochs = tonumber(redis.call('HGET', KEYS[3], index .. ':epochs') or '0')
if tonumber(ARGV[1]) > epochs then redis.call('HSET', KEYS[3], index .. ':epochs', ARGV[1]) end
return prior
`;

// KEYS: sweep hash, jobs hash, trials hash. ARGV: job id. A queued trial starts: 'ok',
// 'missing', or the trial's status when it is not queued.
export const trialStartedScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local index = redis.call('HGET', KEYS[2], ARGV[1])
if not index then return 'missing' end
local current = redis.call('HGET', KEYS[3], index .. ':status')
if current ~= 'queued' then return current end
redis.call('HSET', KEYS[3], index .. ':status', 'running')
redis.call('HINCRBY', KEYS[1], 'n:queued', -1)
redis.call('HINCRBY', KEYS[1], 'n:running', 1)
return 'ok'
`;

// KEYS: sweep hash, jobs hash, trials hash. ARGV: job id, the trial's final status, its metric
// ('' for none: a failed trial, or a value not finite), its epochs reached ('' to keep).
// Ends the trial once (a trial already ended is left as it is), moves it between the counts and,
// if it succeeded with a metric strictly better than the best's by the sweep's goal, makes it
// the best (ties keep the first). Returns {'ok', 1 if every trial of the sweep has ended else 0}
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
    local better = not best
      or (goal == 'minimize' and m < tonumber(best))
      or (goal == 'maximize' and m > tonumber(best))
    if better then
      redis.call('HSET', KEYS[1], 'bestJob', ARGV[1], 'bestIndex', index, 'bestMetric', ARGV[3],
        'bestParams', redis.call('HGET', KEYS[3], index .. ':params'))
    end
  end
end
local ended = tonumber(redis.call('HGET', KEYS[1], 'ended'))
local total = tonumber(redis.call('HGET', KEYS[1], 'trialCount'))
if ended >= total then return {'ok', 1} end
return {'ok', 0}
`;

// KEYS: sweep hash. ARGV: id, status-set prefix, the final status, finishedAt. A running sweep
// ends: 'ok', 'missing', or the status it already has.
export const finishScript = `
local current = redis.call('HGET', KEYS[1], 'status')
if not current then return 'missing' end
if current ~= 'running' then return current end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'finishedAt', ARGV[4])
redis.call('ZREM', ARGV[2] .. current, ARGV[1])
redis.call('ZADD', ARGV[2] .. ARGV[3], 0, ARGV[1])
return 'ok'
`;

// KEYS: sweep hash, trials hash, jobs hash, rungs set, all-sweeps set. ARGV: id, status-set
// prefix, the rungs' key prefix. Deletes an ended sweep and every key it has: 'ok', 'missing',
// or 'running'. (The trials' jobs and models are the job store's.)
export const deleteScript = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status == 'running' then return status end
for _, epoch in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  redis.call('UNLINK', ARGV[3] .. epoch, ARGV[3] .. epoch .. ':values')
end
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('ZREM', ARGV[2] .. status, ARGV[1])
return 'ok'
`;
