-- Settles a reservation: replaces its token estimate with the real figure (or gives the request and
-- the estimate back when the work was not forwarded) and releases its stream lease. Idempotent:
-- a settled reservation is remembered for a while and settling it again changes nothing.
-- A reservation past its expiry is not settled: its lease is gone and its estimate stays charged.
--
-- KEYS[1] reservation record; KEYS[2..9] as in reserve.lua, the day counters of the reservation's day
-- ARGV[1] now (unix ms)   ARGV[2] reservation id   ARGV[3] tokens used   ARGV[4] forwarded (1|0)
-- ARGV[5] how long to remember the settled reservation (ms)
-- ARGV[6], ARGV[7] (optional) the key id and day the caller expects the reservation under, when it
--   named the keys from its own decision rather than from the reservation's pointer
-- ARGV[8] (optional, with ARGV[6]) '1': a cancel. The caller gave up on a decision whose outcome it
--   does not know (a reserve that timed out may still run): a reservation not made yet never will be
--   (a tombstone is left for reserve.lua), one already made is given back like any refund.
-- Returns 0 not found or expired, 1 settled, 2 already settled, 3 not under the expected key and day
--   (only with ARGV[6]: the caller then looks the reservation up and settles it with the right keys),
--   4 cancelled before it was made
local now = tonumber(ARGV[1])
local rid = ARGV[2]
local expectedKey = ARGV[6]

local function int(x) return string.format('%d', x) end
local function num(x) return string.format('%.17g', x) end

local r = redis.call('HMGET', KEYS[1], 't', 'st', 'x', 's', 'k', 'd')
if ARGV[8] == '1' and not r[2] then
  redis.call('HSET', KEYS[1], 'st', 'x', 'k', expectedKey)
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 4
end
if expectedKey and (not r[1] or r[5] ~= expectedKey or r[6] ~= ARGV[7]) then return 3 end
if not r[1] then return 0 end
if r[2] == 's' then return 2 end
if r[2] ~= 'r' then return 0 end

if r[4] == '1' then
  redis.call('ZREM', KEYS[5], rid)
  redis.call('ZREM', KEYS[9], rid)
end
if tonumber(r[3]) <= now then
  redis.call('HSET', KEYS[1], 'st', 'e')
  return 0
end

local reserved = tonumber(r[1])
local forwarded = ARGV[4] == '1'
local delta = -reserved
if forwarded then delta = tonumber(ARGV[3]) - reserved end

-- Moves a bucket's level by amount at time now (never below empty); buckets of unlimited limits do not exist.
local function adjust(key, amount)
  if amount == 0 then return end
  local v = redis.call('GET', key)
  if not v then return end
  local l, t, rate = string.match(v, '^([^|]+)|([^|]+)|([^|]+)$')
  l = tonumber(l)
  t = tonumber(t)
  rate = tonumber(rate)
  if now > t then
    l = l - (now - t) * rate / 60000
    if l < 0 then l = 0 end
    t = now
  end
  l = l + amount
  if l < 0 then l = 0 end
  redis.call('SET', key, num(l) .. '|' .. int(t) .. '|' .. int(rate), 'PX', int(math.ceil(l * 60000 / rate) + 60000))
end

for s = 0, 1 do
  local b = s * 4
  if not forwarded then adjust(KEYS[2 + b], -1) end
  adjust(KEYS[3 + b], delta)
  if delta ~= 0 then
    local used = tonumber(redis.call('GET', KEYS[4 + b]))
    if used then
      used = used + delta
      if used < 0 then used = 0 end
      redis.call('SET', KEYS[4 + b], int(used), 'KEEPTTL')
    end
  end
end

redis.call('HSET', KEYS[1], 'st', 's')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
