-- KEYS[1] by-hash   KEYS[2] by-id   ARGV[1] id.   Returns 1 deleted, 0 not found
local digest = redis.call('HGET', KEYS[2], ARGV[1])
if not digest then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], digest)
return 1
