-- KEYS[1] by-hash   KEYS[2] by-id   ARGV[1] id   ARGV[2] the key-change channel (announced in the same step).
-- Returns the deleted key's digest, or nil when there was none
local digest = redis.call('HGET', KEYS[2], ARGV[1])
if not digest then return false end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], digest)
redis.call('PUBLISH', ARGV[2], digest)
return digest
