-- Adds a key unless its id or digest is taken.
-- KEYS[1] by-hash   KEYS[2] by-id   ARGV[1] digest   ARGV[2] id   ARGV[3] record JSON
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 or redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
return 1
