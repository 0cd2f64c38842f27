// Fencing a job's writes: each try of a job claims a new fence (a counter in the job's hash,
// jobs.claim) and every write of that try checks it in the Lua step that writes, so a worker
// that lost its job (its lock lapsed in a Redis outage and another worker took the job over)
// writes nothing more. The API's own writes pass no fence ('') and are not checked.

/** A try's fence token: the job hash's `fence` field when the try claimed the job; '' for none. */
export type Fence = string;

/** Lua: true when `fence` is given and no longer the job's (another try has claimed it). */
export const fencedOutLua = `
local function fencedOut(jobKey, fence)
  return fence ~= '' and redis.call('HGET', jobKey, 'fence') ~= fence
end
`;

/** What a fenced write answers when its try has lost the job. */
export const fencedOut = 'fenced';
