-- Makes the store hold exactly the listed keys for one declarative source (API_KEYS or the keys
-- file), in one atomic step, so replicas never see half a file. All keys share the {<prefix>:keys} tag.
-- KEYS[1] by-hash (digest -> record JSON)   KEYS[2] by-id (id -> digest)
-- KEYS[3] this source's set of digests      KEYS[4] digest of the decision settings last synced
-- KEYS[5..] the other declarative sources' sets
-- ARGV[1] source name, ARGV[2] the key-change channel, ARGV[3] the digest of this replica's
-- decision settings (tenants' limits, reservation TTL), then (digest, id, record JSON) per listed key
-- Returns {written, removed, announced (1|0)}
--
-- '*' is announced only when the store changes: a listed record is new or differs, a key is no
-- longer listed, or the decision settings differ from the last sync's. A replica that starts (or
-- re-syncs after a reconnect) with the same sources announces nothing, so cores keep their contexts.
local source, channel, settings = ARGV[1], ARGV[2], ARGV[3]
local keep = {}
local changed = redis.call('GET', KEYS[4]) ~= settings
for i = 4, #ARGV, 3 do
  local digest, id, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  keep[digest] = true
  if not changed then
    changed = redis.call('HGET', KEYS[1], digest) ~= json or redis.call('HGET', KEYS[2], id) ~= digest
  end
end

local unlisted = {}
for _, digest in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if not keep[digest] then unlisted[#unlisted + 1] = digest end
end
if #unlisted > 0 then changed = true end

-- Announced before anything is written: should the script fail halfway, what it wrote is still announced.
if changed then redis.call('PUBLISH', channel, '*') end

local written = 0
for i = 4, #ARGV, 3 do
  local digest, id, json = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local old = redis.call('HGET', KEYS[1], digest)
  if old then
    local oldId = cjson.decode(old).id
    if oldId ~= id then redis.call('HDEL', KEYS[2], oldId) end
  end
  redis.call('HSET', KEYS[1], digest, json)
  redis.call('HSET', KEYS[2], id, digest)
  redis.call('SADD', KEYS[3], digest)
  for j = 5, #KEYS do redis.call('SREM', KEYS[j], digest) end
  written = written + 1
end

local removed = 0
for _, digest in ipairs(unlisted) do
  redis.call('SREM', KEYS[3], digest)
  local old = redis.call('HGET', KEYS[1], digest)
  if old then
    local record = cjson.decode(old)
    if record.source == source then
      redis.call('HDEL', KEYS[1], digest)
      redis.call('HDEL', KEYS[2], record.id)
      removed = removed + 1
    end
  end
end

redis.call('SET', KEYS[4], settings)
return {written, removed, changed and 1 or 0}
