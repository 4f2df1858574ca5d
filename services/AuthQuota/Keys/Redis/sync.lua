-- Makes the store hold exactly the listed keys for one declarative source (API_KEYS or the keys
-- file), in one atomic step, so replicas never see half a file. All keys share the {<prefix>:keys} tag.
-- KEYS[1] by-hash (digest -> record JSON)   KEYS[2] by-id (id -> digest)
-- KEYS[3] this source's set of digests      KEYS[4..] the other declarative sources' sets
-- ARGV[1] source name, ARGV[2] the key-change channel ('*' is announced in the same step),
-- then (digest, id, record JSON) for every listed key
-- Returns {written, removed}
-- Announced first: should the script fail halfway, what it wrote is still announced.
redis.call('PUBLISH', ARGV[2], '*')
local keep = {}
local written = 0
for i = 3, #ARGV, 3 do
  local digest, id, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  keep[digest] = true
  local old = redis.call('HGET', KEYS[1], digest)
  if old then
    local oldId = cjson.decode(old).id
    if oldId ~= id then redis.call('HDEL', KEYS[2], oldId) end
  end
  redis.call('HSET', KEYS[1], digest, json)
  redis.call('HSET', KEYS[2], id, digest)
  redis.call('SADD', KEYS[3], digest)
  for j = 4, #KEYS do redis.call('SREM', KEYS[j], digest) end
  written = written + 1
end

local removed = 0
for _, digest in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if not keep[digest] then
    redis.call('SREM', KEYS[3], digest)
    local old = redis.call('HGET', KEYS[1], digest)
    if old then
      local record = cjson.decode(old)
      if record.source == ARGV[1] then
        redis.call('HDEL', KEYS[1], digest)
        redis.call('HDEL', KEYS[2], record.id)
        removed = removed + 1
      end
    end
  end
end
return {written, removed}
