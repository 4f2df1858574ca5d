-- Replaces a key's record if nobody changed it since it was read (optimistic concurrency on "version").
-- KEYS[1] by-hash   KEYS[2] by-id   ARGV[1] id   ARGV[2] expected version   ARGV[3] new record JSON
-- ARGV[4] the key-change channel: the change is announced in the same atomic step as it is made
-- Returns 0 not found, 1 updated, 2 conflict
local digest = redis.call('HGET', KEYS[2], ARGV[1])
if not digest then return 0 end
local current = redis.call('HGET', KEYS[1], digest)
if not current then return 0 end
if cjson.decode(current).version ~= tonumber(ARGV[2]) then return 2 end
redis.call('HSET', KEYS[1], digest, ARGV[3])
redis.call('PUBLISH', ARGV[4], digest)
return 1
