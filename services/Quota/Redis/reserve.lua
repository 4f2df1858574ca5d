-- Check-and-reserve for one API key and its tenant, in one atomic step. Every key shares the
-- tenant's hash tag, so the script runs on one Redis Cluster slot. Time is the caller's (ARGV[1],
-- from its TimeProvider), never Redis TIME: replicas and tests drive windows with their own clock.
-- The arithmetic repeats QuotaMath.cs operation for operation.
--
-- KEYS[1]      reservation record (hash: k key id, t tokens, d day, s stream, x expiry, st state)
-- KEYS[2..5]   the key's    requests bucket, tokens bucket, tokens-of-the-day counter, stream leases
-- KEYS[6..9]   the tenant's requests bucket, tokens bucket, tokens-of-the-day counter, stream leases
--              A bucket is one string "level|updated ms|rate per minute", written with its expiry.
-- ARGV[1] now (unix ms)   ARGV[2] key id   ARGV[3] reservation id   ARGV[4] tokens
-- ARGV[5] mode: 'call' | 'stream' | 'peek' (read only)   ARGV[6] reservation ttl (ms)
-- ARGV[7] ms until the UTC day ends   ARGV[8] day number
-- ARGV[9..16] limits: key rpm, tpm, tpd, streams, tenant rpm, tpm, tpd, streams (-1: no limit)
--
-- Returns {outcome, then for each of the 8 limits: used, reset ms, wait ms}
--   outcome: 0 rejected, 1 reserved, 2 already reserved (a retried call), 3 id used by another key, 4 peek,
--   5 cancelled before it was made (see settle.lua)
--   wait: 0 fits, > 0 ms until it would fit, -1 never fits, -2 when one of the streams ends
--   Stream leases are read only for streams and peeks: a plain call neither takes nor needs one.
local now = tonumber(ARGV[1])
local keyId = ARGV[2]
local rid = ARGV[3]
local tokens = tonumber(ARGV[4])
local mode = ARGV[5]
local ttl = tonumber(ARGV[6])
local dayLeft = tonumber(ARGV[7])
local RETAIN = 60000

local function int(x) return string.format('%d', x) end
local function num(x) return string.format('%.17g', x) end

local limit = {}
for i = 1, 8 do limit[i] = tonumber(ARGV[8 + i]) end

local outcome = 1
if mode ~= 'peek' then
  -- Cancelled before it was made (settle.lua left a tombstone): never reserve it now.
  if redis.call('HGET', KEYS[1], 'st') == 'x' then return {5} end
  local owner = redis.call('HGET', KEYS[1], 'k')
  if owner then
    if owner ~= keyId then return {3} end
    outcome = 2
  end
else
  outcome = 4
end

local charge = {1, tokens, tokens, 0, 1, tokens, tokens, 0}
if mode == 'stream' then charge[4] = 1; charge[8] = 1 end
if outcome ~= 1 then for i = 1, 8 do charge[i] = 0 end end

-- stamp: the time each bucket is written with. Never earlier than the time it holds: a caller whose
-- clock is behind another's must not make the bucket drain the same time twice.
local level, wait, stamp = {}, {}, {}
for s = 0, 1 do
  local b = s * 4
  -- Requests and tokens per minute: buckets draining at limit per minute.
  for k = 1, 2 do
    local i = b + k
    level[i] = 0
    wait[i] = 0
    stamp[i] = now
    if limit[i] >= 0 then
      local v = redis.call('GET', KEYS[1 + i])
      if v then
        local l, t = string.match(v, '^([^|]+)|([^|]+)')
        l = tonumber(l)
        t = tonumber(t)
        if now > t then
          l = l - (now - t) * limit[i] / 60000
          if l < 0 then l = 0 end
        else
          stamp[i] = t
        end
        level[i] = l
      end
      local a = charge[i]
      if a > 0 then
        if a > limit[i] then wait[i] = -1
        elseif level[i] + a > limit[i] then wait[i] = math.ceil((level[i] + a - limit[i]) * 60000 / limit[i]) end
      end
    end
  end
  -- Tokens per UTC day: always counted (usage reports it), limited when a limit is set.
  local i = b + 3
  level[i] = tonumber(redis.call('GET', KEYS[1 + i])) or 0
  wait[i] = 0
  if limit[i] >= 0 and charge[i] > 0 then
    if charge[i] > limit[i] then wait[i] = -1
    elseif level[i] + charge[i] > limit[i] then wait[i] = dayLeft end
  end
  -- Concurrent streams: leases scored by their expiry; an expired lease no longer counts.
  i = b + 4
  level[i] = 0
  wait[i] = 0
  if mode == 'peek' then
    level[i] = redis.call('ZCOUNT', KEYS[1 + i], '(' .. int(now), '+inf')
  elseif mode == 'stream' then
    redis.call('ZREMRANGEBYSCORE', KEYS[1 + i], '-inf', int(now))
    level[i] = redis.call('ZCARD', KEYS[1 + i])
    if limit[i] >= 0 and charge[i] > 0 and level[i] + 1 > limit[i] then wait[i] = -2 end
  end
end

if outcome == 1 then
  for i = 1, 8 do
    if wait[i] ~= 0 then outcome = 0 end
  end
end

if outcome == 1 then
  local expires = now + ttl
  for s = 0, 1 do
    local b = s * 4
    for k = 1, 2 do
      local i = b + k
      if limit[i] >= 0 then
        level[i] = level[i] + charge[i]
        redis.call('SET', KEYS[1 + i], num(level[i]) .. '|' .. int(stamp[i]) .. '|' .. int(limit[i]),
          'PX', int(math.ceil(level[i] * 60000 / limit[i]) + RETAIN))
      end
    end
    local i = b + 3
    level[i] = redis.call('INCRBY', KEYS[1 + i], int(charge[i]))
    if level[i] == charge[i] then
      -- Just created: kept a day past its end, so a late settlement still finds its day.
      redis.call('PEXPIRE', KEYS[1 + i], int(dayLeft + 86400000))
    end
    if mode == 'stream' then
      i = b + 4
      redis.call('ZADD', KEYS[1 + i], int(expires), rid)
      redis.call('PEXPIRE', KEYS[1 + i], int(ttl + RETAIN))
      level[i] = level[i] + 1
    end
  end
  redis.call('HSET', KEYS[1], 'k', keyId, 't', int(tokens), 'd', ARGV[8], 's', mode == 'stream' and '1' or '0', 'x', int(expires), 'st', 'r')
  redis.call('PEXPIRE', KEYS[1], int(ttl + RETAIN))
end

local result = {outcome}
for s = 0, 1 do
  local b = s * 4
  for k = 1, 2 do
    local i = b + k
    local reset = 0
    if limit[i] > 0 then reset = math.ceil(level[i] * 60000 / limit[i]) end
    result[#result + 1] = math.ceil(level[i])
    result[#result + 1] = reset
    result[#result + 1] = wait[i]
  end
  local i = b + 3
  result[#result + 1] = level[i]
  result[#result + 1] = level[i] > 0 and dayLeft or 0
  result[#result + 1] = wait[i]
  i = b + 4
  result[#result + 1] = level[i]
  result[#result + 1] = 0
  result[#result + 1] = wait[i]
end
return result
