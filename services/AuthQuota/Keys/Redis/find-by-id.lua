-- KEYS[1] by-hash   KEYS[2] by-id   ARGV[1] id.   Returns the record JSON or nil
local digest = redis.call('HGET', KEYS[2], ARGV[1])
if not digest then return false end
return redis.call('HGET', KEYS[1], digest)
