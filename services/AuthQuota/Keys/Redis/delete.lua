-- KEYS[1] by-hash   KEYS[2] by-id   ARGV[1] id.   Returns the deleted key's digest, or nil when there was none
local digest = redis.call('HGET', KEYS[2], ARGV[1])
if not digest then return false end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], digest)
return digest
