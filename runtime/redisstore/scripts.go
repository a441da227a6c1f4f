package redisstore

import "github.com/redis/go-redis/v9"

// The limiter's scripts. Times are microseconds on the Redis server's
// clock (TIME), so every process shares one timeline whatever its own
// clock says. Each bucket (the client's global one, one per route) owns
// KEYS in this order: cool (cooldown hash), budget (server counts and
// learned limits), inflight (admitted requests not yet sent: member →
// admission time), unanswered (admitted requests not yet answered: member
// → admission time), then one key per window (sliding: member → send
// time; fixed: period index → count).
//
// The budget keeps, per remaining header name: r:<name>, what may surely
// still be sent (the server's count less every request not yet answered,
// which it may not have counted yet); m:<name>, the most that may be left
// (the lowest count the server sent less the requests admitted since);
// t:<name>, the reset (the latest its period's answers announced);
// p:<name>, the first reset heard of the period, against which answers
// are judged to be of it. As in ratelimit.Local, a request that finds r used
// up but m not, with requests unanswered, waits for their answers; the
// answer that leaves none unanswered makes r equal to m.
//
// ARGV of acquire: margin, member, stale, nb, then per bucket nw and per
// window: fixed (0/1), per, limit. It returns {admitted (0/1), wait (µs),
// reason code, reset (µs), now (µs), held}: held (1) means the request
// waits for answers of requests in flight rather than for a time, and
// wait is only when to look again.
//
// A request admitted and not yet sent counts in every window at every
// instant from its admission on: sliding windows count the inflight set
// beside their log, fixed windows count it in every period after the one
// it was admitted in. It moves into the logs at its send time (done).
const scriptPrelude = `
local tm = redis.call('TIME')
local now = tonumber(tm[1]) * 1000000 + tonumber(tm[2])
local function period(t, per) return math.floor(t / per) end
local function keepexp(key, us) redis.call('PEXPIRE', key, math.ceil(us / 1000) + 1000) end
local function parse(first)
  local bs, ki = {}, 1
  local nb = tonumber(ARGV[first])
  local ai = first + 1
  for b = 1, nb do
    local bk = {cool = KEYS[ki], budget = KEYS[ki+1], inflight = KEYS[ki+2], unanswered = KEYS[ki+3], wins = {}}
    ki = ki + 4
    local nw = tonumber(ARGV[ai]); ai = ai + 1
    for w = 1, nw do
      bk.wins[w] = {key = KEYS[ki], fixed = ARGV[ai] == '1', per = tonumber(ARGV[ai+1]), limit = tonumber(ARGV[ai+2])}
      ki = ki + 1; ai = ai + 3
    end
    bs[b] = bk
  end
  return bs, ai
end
-- settle moves member from inflight into the logs at time t (a send).
local function settle(bk, member, t, margin, stale)
  local a = redis.call('ZSCORE', bk.inflight, member)
  if not a then return end
  a = tonumber(a)
  t = math.max(a, math.min(t, now))
  for _, w in ipairs(bk.wins) do
    if w.fixed then
      for k = math.max(period(a + margin, w.per) + 1, period(t - margin, w.per)), period(t + margin, w.per) do
        redis.call('HINCRBY', w.key, k, 1)
      end
    else
      redis.call('ZADD', w.key, t, member)
    end
    keepexp(w.key, w.per + margin + stale)
  end
  redis.call('ZREM', bk.inflight, member)
end
-- unanswered counts bk's requests admitted and not yet answered. One whose
-- answer has not come within stale is no longer waited for: its process
-- died, or the server counted it long ago.
local function unanswered(bk, stale)
  redis.call('ZREMRANGEBYSCORE', bk.unanswered, '-inf', now - stale)
  return redis.call('ZCARD', bk.unanswered)
end
`

var acquireScript = redis.NewScript(scriptPrelude + `
local margin, member, stale = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local bs = parse(4)
local untilt, why, reset = now, '', 0
local function later(t, w, r) if t > untilt then untilt, why, reset = t, w, r end end
-- hold: what the request waits for when it waits for answers, not a time.
local hold, holdreset = '', 0
local probe = {}
for b, bk in ipairs(bs) do
  -- A process that died between admission and answer: its request counts
  -- as sent at the latest moment it could have been.
  local old = redis.call('ZRANGEBYSCORE', bk.inflight, '-inf', now - stale)
  for i = 1, #old do settle(bk, old[i], now, margin, stale) end
  local inflight = redis.call('ZCARD', bk.inflight)
  local open = unanswered(bk, stale)

  local c = redis.call('HMGET', bk.cool, 'until', 'gate', 'probe', 'probe_until')
  local cu = tonumber(c[1] or '0')
  if cu > 0 and now < cu + margin then
    later(cu + margin, 'c:' .. b, cu)
  elseif c[2] then
    if c[3] and tonumber(c[4] or '0') > now then later(math.min(tonumber(c[4]), now + 20000), 'p:' .. b, 0)
    else probe[b] = true end
  end

  local bud = redis.call('HGETALL', bk.budget)
  local f = {}
  for i = 1, #bud, 2 do f[bud[i]] = tonumber(bud[i+1]) end
  for k, rem in pairs(f) do
    if string.sub(k, 1, 2) == 'r:' then
      local name = string.sub(k, 3)
      local rs = f['t:' .. name] or 0
      if rs <= now then
        redis.call('HDEL', bk.budget, k, 'm:' .. name, 't:' .. name, 'p:' .. name)
        if rem <= 0 then
          -- The new budget is unknown: one probe learns it first.
          redis.call('HSET', bk.cool, 'gate', 1)
          keepexp(bk.cool, stale)
          if not (c[3] and tonumber(c[4] or '0') > now) then probe[b] = true end
        end
      elseif rem <= 0 and open > 0 and (f['m:' .. name] or 0) > 0 then
        -- Used up only if the server has not counted the requests in
        -- flight yet: their answers will say.
        if hold == '' then hold, holdreset = 'a:' .. b .. ':' .. name, rs end
      elseif rem <= 0 and now < rs + margin then
        later(rs + margin, 'b:' .. b .. ':' .. name, rs)
      end
    end
  end

  for wi, w in ipairs(bk.wins) do
    local lim = f['L:' .. w.per] or w.limit
    if lim > 0 then
      if w.fixed then
        for k = period(now - margin, w.per), period(now + margin, w.per) do
          local n = tonumber(redis.call('HGET', w.key, k) or '0')
          n = n + redis.call('ZCOUNT', bk.inflight, '-inf', '(' .. (k * w.per - margin))
          if n >= lim then later((k + 1) * w.per + margin, 'w:' .. b .. ':' .. wi, (k + 1) * w.per) end
        end
      else
        redis.call('ZREMRANGEBYSCORE', w.key, '-inf', now - w.per - margin)
        local free = lim - inflight
        if free <= 0 then
          later(now + 20000, 'w:' .. b .. ':' .. wi, 0)
        else
          local e = redis.call('ZRANGE', w.key, -free, -free, 'WITHSCORES')
          if #e > 0 and redis.call('ZCARD', w.key) >= free then
            local t = tonumber(e[2])
            later(t + w.per + margin, 'w:' .. b .. ':' .. wi, t + w.per)
          end
        end
      end
    end
  end
end
if untilt > now then return {0, untilt - now, why, reset, now, 0} end
if hold ~= '' then return {0, 20000, hold, holdreset, now, 1} end

for b, bk in ipairs(bs) do
  redis.call('ZADD', bk.inflight, now, member)
  keepexp(bk.inflight, 2 * stale)
  redis.call('ZADD', bk.unanswered, now, member)
  keepexp(bk.unanswered, 2 * stale)
  for _, w in ipairs(bk.wins) do
    if w.fixed then
      local lo = period(now - margin, w.per)
      for k = lo, period(now + margin, w.per) do redis.call('HINCRBY', w.key, k, 1) end
      if redis.call('HLEN', w.key) > 4 then
        for _, k in ipairs(redis.call('HKEYS', w.key)) do
          if tonumber(k) < lo - 1 then redis.call('HDEL', w.key, k) end
        end
      end
      keepexp(w.key, w.per + margin + stale)
    end
  end
  local bud = redis.call('HGETALL', bk.budget)
  for i = 1, #bud, 2 do
    local k = bud[i]
    if string.sub(k, 1, 2) == 'r:' then
      local name = string.sub(k, 3)
      local rs = tonumber(redis.call('HGET', bk.budget, 't:' .. name) or '0')
      if now < rs + margin then
        redis.call('HINCRBY', bk.budget, k, -1)
        if redis.call('HEXISTS', bk.budget, 'm:' .. name) == 1 then redis.call('HINCRBY', bk.budget, 'm:' .. name, -1) end
      end
    end
  end
  if probe[b] then
    redis.call('HSET', bk.cool, 'probe', member, 'probe_until', now + stale)
    keepexp(bk.cool, 2 * stale)
  end
end
return {1, 0, '', 0, now, 0}
`)

// doneScript ends a reservation in every bucket it counted in, and learns
// what the answer's rate-limit headers said, in the same step: no other
// admission may see the request answered but its answer not yet counted.
// ARGV: margin, member, stale, elapsed (µs since admission on the caller's
// clock, -1 for "now"), outcome (sent, ok, none, cancel, 429), target
// bucket of a 429 (1-based), retry (µs, -1 when the server sent none),
// base and cap of the backoff (µs), jitter (0..1), admission time, the
// buckets as for acquire, then the number of header families heard and
// for each: bucket (1-based), name, remaining (-1: none), reset (absolute
// µs, -1: none), reset delta (µs, -1: none), per (µs), limit (-1: none)
// of a Limit header, and the tolerance (µs) within which two resets are
// one period (ratelimit.PeriodTolerance).
var doneScript = redis.NewScript(scriptPrelude + `
local margin, member, stale = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local elapsed, outcome, target = tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
local retry, base, cap, jitter = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local admitted = tonumber(ARGV[11])
local bs, ai = parse(12)
local opened = 0
for b, bk in ipairs(bs) do
  if outcome ~= 'sent' then redis.call('ZREM', bk.unanswered, member) end
  local a = redis.call('ZSCORE', bk.inflight, member)
  if outcome == 'cancel' then
    if a then
      a = tonumber(a)
      for _, w in ipairs(bk.wins) do
        if w.fixed then
          for k = period(a - margin, w.per), period(a + margin, w.per) do redis.call('HINCRBY', w.key, k, -1) end
        end
      end
      redis.call('ZREM', bk.inflight, member)
    end
  elseif a then
    local t = now
    if elapsed >= 0 then t = tonumber(a) + elapsed end
    settle(bk, member, t, margin, stale)
  end
  if outcome ~= 'sent' then
    local c = redis.call('HMGET', bk.cool, 'until', 'n', 'probe', 'opened')
    local isprobe = c[3] == member
    if outcome == '429' and b == target then
      local cu = tonumber(c[1] or '0')
      -- A request admitted before the cooldown opened says nothing new.
      if admitted >= tonumber(c[4] or '0') or isprobe then
        local n = tonumber(c[2] or '0') + 1
        local d = retry
        if d < 0 then d = math.min(cap, base * 2 ^ (n - 1)) * (0.75 + 0.5 * jitter) end
        local u = math.max(cu, now + d)
        redis.call('HSET', bk.cool, 'until', u, 'n', n, 'gate', 1, 'opened', now)
        redis.call('HDEL', bk.cool, 'probe', 'probe_until')
        keepexp(bk.cool, (u - now) + 2 * stale)
        opened = 1
      elseif isprobe then
        redis.call('HDEL', bk.cool, 'probe', 'probe_until')
      end
    elseif isprobe then
      if outcome == 'ok' then redis.call('DEL', bk.cool)
      else redis.call('HDEL', bk.cool, 'probe', 'probe_until') end
    end
  end
end
-- Then the answer's headers, as ratelimit.Local's observeHeaders.
for i = 1, tonumber(ARGV[ai]) do
  local j = ai + 1 + (i - 1) * 8
  local bk, name, rem = bs[tonumber(ARGV[j])], ARGV[j+1], tonumber(ARGV[j+2])
  local rs, delta, per, lim = tonumber(ARGV[j+3]), tonumber(ARGV[j+4]), ARGV[j+5], tonumber(ARGV[j+6])
  local tol = tonumber(ARGV[j+7])
  if lim > 0 then
    redis.call('HSET', bk.budget, 'L:' .. per, lim)
  end
  if delta >= 0 then rs = now + delta end
  local keep = rs
  if rem >= 0 and rs > now then
    -- Requests not yet answered may not be counted yet: they come off
    -- what surely remains, not off the most that may.
    local open = unanswered(bk, stale)
    local left, most = rem - open, rem
    local old = redis.call('HMGET', bk.budget, 'p:' .. name, 't:' .. name, 'r:' .. name, 'm:' .. name)
    local p = tonumber(old[1] or old[2] or '0')
    local r0, m0 = tonumber(old[3] or ''), tonumber(old[4] or '')
    if r0 and p > 0 and rs <= p + tol then
      if rs < p - tol then
        -- An answer of an earlier period arriving late: its count is
        -- not this period's.
        left, most = r0, m0 or r0
      else
        -- Within one period the server's count only goes down; an older
        -- answer arriving late must not raise it.
        left, most = math.min(left, r0), math.min(most, m0 or most)
      end
      -- The period lasts until the latest of its resets.
      keep = math.max(tonumber(old[2] or '0'), rs)
    else
      -- A new period (or the first heard of).
      p = rs
    end
    -- Every request sent has been answered, so the lowest count holds
    -- them all: what requests in flight took off while the server had
    -- counted them already comes back.
    if open == 0 then left = most end
    redis.call('HSET', bk.budget, 'r:' .. name, left, 'm:' .. name, most, 't:' .. name, keep, 'p:' .. name, p)
  end
  redis.call('PEXPIRE', bk.budget, 86400000 + math.max(0, math.ceil((keep - now) / 1000)))
end
return {opened, now}
`)

// replayScript adds sends made while Redis was away to one window, so the
// processes that come back count them. KEYS: the window. ARGV: fixed,
// per, margin, prefix, then send times.
var replayScript = redis.NewScript(`
local fixed, per, margin, prefix = ARGV[1] == '1', tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
for i = 5, #ARGV do
  local t = tonumber(ARGV[i])
  if fixed then
    for k = math.floor((t - margin) / per), math.floor((t + margin) / per) do redis.call('HINCRBY', KEYS[1], k, 1) end
  else
    redis.call('ZADD', KEYS[1], t, prefix .. i)
  end
end
redis.call('PEXPIRE', KEYS[1], math.ceil((per + margin) / 1000) + 60000)
return 1
`)
