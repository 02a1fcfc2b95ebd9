//! The server-side scripts: each acquire, observe and lease operation is one of these, run
//! atomically by Redis with one round trip (`EVALSHA`; the `redis` crate loads a script
//! again when a restarted server answers `NOSCRIPT`).
//!
//! Every time inside a script is Redis's own clock (`TIME`, in milliseconds since the
//! epoch): the processes sharing a budget may run on hosts whose clocks disagree, and a
//! window's end or a pace slot written by one of them must mean the same instant to all.
//! Durations (the service's `reset_after`, a caller's `max_wait`) travel as milliseconds and
//! are added to that clock; the admission instant a permit carries is Redis's too, so the
//! late-answer rule compares times of one clock.

use std::sync::LazyLock;

use redis::Script;

/// Admission of `cost` units of a quota key, as `MemoryLimiter::try_admit` does it, plus
/// reservation: a caller whose pace slot is ahead (within the window and within its
/// `max_wait`) takes the slot now and sleeps until it, so callers of every process are
/// served in the order they reached Redis.
///
/// A key whose limit is neither configured nor yet learned admits one call at a time
/// across every process (a learning probe, `KEYS[2]`, expiring after 2 s) until an answer
/// from it has been observed: as the Okta connector's learning gate does in one process, so
/// that a fleet starting cold does not send its first calls blind.
///
/// `KEYS[1]`: the key's hash; `KEYS[2]`: its learning probe. `ARGV`: cost, max wait (ms),
/// configured limit (0: none),
/// configured window (ms), pacing (1/0), burst (fraction of the window).
///
/// Returns `{admitted (1/0), wait_ms, now_ms, probe (1/0)}`: admitted with the wait until
/// the reserved slot (and whether the call is the key's learning probe), or refused with the
/// wait worth sleeping before asking again (the window's reset, or a slot past `max_wait`).
pub(crate) static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local key = KEYS[1]
local cost = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local conf_limit = tonumber(ARGV[3])
local conf_window = tonumber(ARGV[4])
local pacing = ARGV[5] == '1'
local burst = tonumber(ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local s = redis.call('HMGET', key, 'limit', 'window', 'end', 'rem', 'next', 'tried')
local limit = tonumber(s[1])
if not limit and conf_limit > 0 then limit = conf_limit end
if not limit then
  -- Learning: one call at a time, across every process, until an answer from the key has
  -- told its limit (or that it has none); the others wait a little and ask again.
  if s[6] then return {1, 0, now, 0} end
  if redis.call('SET', KEYS[2], '1', 'NX', 'PX', 2000) then return {1, 0, now, 1} end
  return {0, 20, now, 0}
end
local window = tonumber(s[2]) or conf_window
local wend = tonumber(s[3]) or 0
local rem = tonumber(s[4]) or limit
local nxt = tonumber(s[5]) or 0
if wend > 0 and now >= wend then wend = 0; rem = limit; nxt = 0 end
if wend == 0 then wend = now + window end
-- A single request costing more than the whole limit may still go alone into a full window.
if cost > limit then cost = math.max(limit, 1) end
if rem < cost then return {0, wend - now, now, 0} end
local at = now
if pacing and nxt > 0 then
  local slot = nxt - math.floor(window * burst)
  if slot > at then at = slot end
end
if at >= wend then return {0, wend - now, now, 0} end
if at - now > max_wait then return {0, at - now, now, 0} end
local before = rem
rem = rem - cost
if pacing then
  -- Spread what is left evenly until the reset: each unit earns 1/remaining of the time left.
  local interval = (wend - at) * cost / math.max(before, 1)
  nxt = math.max(nxt, at) + interval
end
redis.call('HSET', key, 'limit', limit, 'window', window, 'end', wend, 'rem', rem, 'next', nxt)
redis.call('PEXPIREAT', key, math.floor(wend + window))
return {1, at - now, now, 0}
"#,
    )
});

/// The service's feedback on a quota key, as `MemoryLimiter::observe_quota` and its window
/// anchoring apply it: a limit learned, the window anchored on the answer that opened it,
/// late answers about the window before ignored, resets tightened to the best upper bound,
/// the estimate corrected by the charged cost, the remainder never raised.
///
/// `KEYS[1]`: the key's hash; `KEYS[2]`: its learning probe, cleared. `ARGV`: limit,
/// remaining, reset after (ms), charged (each
/// empty when the service did not say), estimated cost, admitted at (ms since the epoch on
/// Redis's clock, or empty), configured limit (0: none), configured window (ms).
///
/// Returns 1 when the key's state changed in a way that may admit waiting callers sooner.
pub(crate) static OBSERVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local key = KEYS[1]
local fl = tonumber(ARGV[1])
local fr = tonumber(ARGV[2])
local freset = tonumber(ARGV[3])
local fc = tonumber(ARGV[4])
local est = tonumber(ARGV[5])
local admitted = tonumber(ARGV[6])
local conf_limit = tonumber(ARGV[7])
local conf_window = tonumber(ARGV[8])
local ROUNDING = 2050
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local s = redis.call('HMGET', key, 'limit', 'window', 'end', 'rem', 'next', 'cap', 'abegan', 'aend')
local limit = tonumber(s[1])
local known = limit ~= nil
if not limit and conf_limit > 0 then limit = conf_limit end
redis.call('DEL', KEYS[2])
local window = tonumber(s[2]) or conf_window
local wend = tonumber(s[3]) or 0
local rem = tonumber(s[4])
local nxt = tonumber(s[5]) or 0
local cap = tonumber(s[6]) or 0
local abegan = tonumber(s[7])
local aend = tonumber(s[8])
-- A concurrency rejection reports limit 0: that says nothing about the bucket's size.
if fl and fl > 0 then
  if not limit then rem = fl end
  limit = fl
end
if not limit then
  -- The key has been tried and told no limit: calls need not wait for a probe any more.
  redis.call('HSET', key, 'tried', 1)
  redis.call('PEXPIRE', key, conf_window * 2)
  return 1
end
if rem == nil then rem = limit end
if wend > 0 and now >= wend then wend = 0; rem = limit; nxt = 0 end
local before_end, before_rem = wend, rem
-- Window anchoring (see connector-core's limiter/anchor.rs).
if fr then
  local spent = fc or math.max(est, 1)
  cap = math.max(cap, fr + spent)
  local capacity = cap
  if fl and fl > 0 then capacity = fl end
  local opener = fr > 0 and fr + spent == capacity
  local boundary = abegan
  if aend and aend <= now then boundary = aend end
  if opener then
    abegan = math.min(aend or now, now)
    aend = now + window
  elseif admitted and boundary and admitted < boundary then
    fr = nil
    freset = nil
  end
  if freset then
    local bound = freset
    if freset <= window + ROUNDING then bound = math.min(bound, window) end
    if aend and aend > now and freset <= (aend - now) + ROUNDING then
      bound = math.min(bound, aend - now)
    end
    freset = bound
  end
end
if fc then rem = math.max(rem + est - fc, 0) end
if freset then
  local send = now + freset
  if wend > 0 and math.abs(send - wend) <= 1500 then
    wend = math.max(wend, send)
  else
    wend = send
    nxt = 0
  end
end
if fr then rem = math.min(rem, fr) end
local fields = {'limit', limit, 'window', window, 'end', wend, 'rem', rem, 'next', nxt, 'cap', cap}
if abegan then table.insert(fields, 'abegan'); table.insert(fields, abegan) end
if aend then table.insert(fields, 'aend'); table.insert(fields, aend) end
redis.call('HSET', key, unpack(fields))
redis.call('PEXPIREAT', key, math.floor(math.max(wend, now) + window))
if not known or (before_end > 0 and wend > 0 and wend < before_end) or rem > before_rem then return 1 end
return 0
"#,
    )
});

/// The end of a learning probe's attempt: the probe is lifted and, when the answer told no
/// limit (no feedback at all, as for a key the service reports nothing about), the key is
/// marked tried so that later calls go freely, as `MemoryLimiter` admits a key it knows no
/// limit for. `KEYS[1]`: the key's hash; `KEYS[2]`: its probe. `ARGV`: how long to remember
/// (ms).
pub(crate) static PROBED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
redis.call('DEL', KEYS[2])
if redis.call('HEXISTS', KEYS[1], 'limit') == 0 then
  redis.call('HSET', KEYS[1], 'tried', 1)
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
end
return 0
"#,
    )
});

/// A lease on a concurrency key: a sorted set of lease ids scored by their expiry. Expired
/// leases (a holder that crashed) are dropped first; then the lease is granted when fewer
/// than the cap are held.
///
/// `KEYS[1]`: the set. `ARGV`: cap, lease time (ms), lease id. Returns `{granted (1/0),
/// ms until the soonest lease expires}`.
pub(crate) static LEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local key = KEYS[1]
local cap = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZCARD', key) < cap then
  redis.call('ZADD', key, now + ttl, ARGV[3])
  redis.call('PEXPIRE', key, ttl * 2)
  return {1, 0}
end
local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, math.max(tonumber(first[2]) - now, 0)}
"#,
    )
});

/// Extends a lease still held (`ZADD XX`: a lease that already expired is not taken back,
/// its slot may be someone else's by now). `KEYS[1]`: the set. `ARGV`: lease time (ms),
/// lease id.
pub(crate) static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
local renewed = redis.call('ZADD', KEYS[1], 'XX', 'CH', now + ttl, ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl * 2)
return renewed
"#,
    )
});
