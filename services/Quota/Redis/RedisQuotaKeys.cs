using System.Globalization;
using StackExchange.Redis;

namespace AiCdn.Quota.Redis;

/// <summary>
/// Names of the quota keys. All of a tenant's counters and reservations share the hash tag
/// <c>{tenant}</c>, so one script can check a key's and its tenant's limits on one Redis Cluster
/// slot. The reservation pointer (which tenant a reservation id belongs to) has its own tag.
/// Tenant names, key ids and reservation ids are validated to exclude braces.
/// </summary>
internal sealed class RedisQuotaKeys(string prefix)
{
    /// <summary>The deployment's store id (see <see cref="RedisQuotaStore.EnsureStoreIdAsync"/>).</summary>
    public RedisKey StoreId => $"{prefix}:store-id";

    public RedisKey Pointer(string reservationId) => $"{prefix}:res:{{{reservationId}}}";

    public RedisKey Record(string tenant, string reservationId) => $"{Tag(tenant)}:r:{reservationId}";

    /// <summary>KEYS[2..9] of the scripts: the key's then the tenant's rpm, tpm, tpd (of <paramref name="day"/>) and leases.</summary>
    public RedisKey[] Limits(string tenant, string keyId, long day, RedisKey record)
    {
        var tag = Tag(tenant);
        var dayText = day.ToString(CultureInfo.InvariantCulture);
        return
        [
            record,
            $"{tag}:k:{keyId}:rpm",
            $"{tag}:k:{keyId}:tpm",
            $"{tag}:k:{keyId}:tpd:{dayText}",
            $"{tag}:k:{keyId}:leases",
            $"{tag}:t:rpm",
            $"{tag}:t:tpm",
            $"{tag}:t:tpd:{dayText}",
            $"{tag}:t:leases",
        ];
    }

    public RedisKey[] Leases(string tenant, string keyId, RedisKey record) =>
        [record, $"{Tag(tenant)}:k:{keyId}:leases", $"{Tag(tenant)}:t:leases"];

    private string Tag(string tenant) => $"{prefix}:q:{{{tenant}}}";
}
