-- Adds tokens to an open reservation, only if the key's and the tenant's token limits (per minute,
-- per day) all have room for them; the bucket arithmetic is reserve.lua's. Requests and leases are
-- not touched. The day counters are the reservation's day, as settle.lua adjusts them.
--
-- KEYS[1] reservation record; KEYS[2..9] as in reserve.lua, the day counters of the reservation's day
-- ARGV[1] now (unix ms)   ARGV[2] key id   ARGV[3] tokens
-- ARGV[4..7] limits: key tpm, key tpd, tenant tpm, tenant tpd (-1: no limit)
-- Returns 1 extended, 2 refused (a limit has no room), 0 gone (unknown, settled, expired or another key's)
local now = tonumber(ARGV[1])
local tokens = tonumber(ARGV[3])
local RETAIN = 60000

local function int(x) return string.format('%d', x) end
local function num(x) return string.format('%.17g', x) end

local r = redis.call('HMGET', KEYS[1], 'st', 'x', 'k')
if r[1] ~= 'r' or tonumber(r[2]) <= now or r[3] ~= ARGV[2] then return 0 end

local limits = {tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])}
local level, stamp = {}, {}
for s = 0, 1 do
  local b = s * 4
  local tpm, tpd = limits[s * 2 + 1], limits[s * 2 + 2]
  -- Tokens per minute: a bucket draining at the limit per minute.
  level[b + 2] = 0
  stamp[b + 2] = now
  if tpm >= 0 then
    local v = redis.call('GET', KEYS[3 + b])
    if v then
      local l, t = string.match(v, '^([^|]+)|([^|]+)')
      l = tonumber(l)
      t = tonumber(t)
      if now > t then
        l = l - (now - t) * tpm / 60000
        if l < 0 then l = 0 end
      else
        stamp[b + 2] = t
      end
      level[b + 2] = l
    end
    if level[b + 2] + tokens > tpm then return 2 end
  end
  -- Tokens of the day.
  level[b + 3] = tonumber(redis.call('GET', KEYS[4 + b])) or 0
  if tpd >= 0 and level[b + 3] + tokens > tpd then return 2 end
end

for s = 0, 1 do
  local b = s * 4
  local tpm = limits[s * 2 + 1]
  if tpm >= 0 then
    local l = level[b + 2] + tokens
    redis.call('SET', KEYS[3 + b], num(l) .. '|' .. int(stamp[b + 2]) .. '|' .. int(tpm), 'PX', int(math.ceil(l * 60000 / tpm) + RETAIN))
  end
  if redis.call('EXISTS', KEYS[4 + b]) == 1 then
    redis.call('INCRBY', KEYS[4 + b], int(tokens))
  end
end

redis.call('HINCRBY', KEYS[1], 't', int(tokens))
return 1
