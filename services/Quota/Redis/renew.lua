-- Extends an open reservation and its stream lease to ttl from now (a stream longer than the TTL).
-- KEYS[1] reservation record   KEYS[2] the key's stream leases   KEYS[3] the tenant's stream leases
-- ARGV[1] now (unix ms)   ARGV[2] reservation id   ARGV[3] ttl (ms)
-- Returns 1 renewed, 0 gone (unknown, settled or already expired)
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[3])
local function int(x) return string.format('%d', x) end

local r = redis.call('HMGET', KEYS[1], 'st', 'x', 's')
if r[1] ~= 'r' or tonumber(r[2]) <= now then return 0 end

local expires = now + ttl
redis.call('HSET', KEYS[1], 'x', int(expires))
redis.call('PEXPIRE', KEYS[1], int(ttl + 60000))
if r[3] == '1' then
  for i = 2, 3 do
    redis.call('ZADD', KEYS[i], 'XX', int(expires), ARGV[2])
    redis.call('PEXPIRE', KEYS[i], int(ttl + 60000))
  end
end
return 1
