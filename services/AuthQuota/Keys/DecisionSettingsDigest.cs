using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AiCdn.AuthQuota.Tenants;
using Microsoft.Extensions.Options;

namespace AiCdn.AuthQuota.Keys;

/// <summary>
/// Identifies what this replica puts in a key's context besides the key's record: its tenants'
/// limits (configuration and keys file) and the reservation TTL. A declarative sync stores it beside
/// the keys and announces a change when it differs from the stored one; a replica whose settings
/// differ from the stored ones (another replica synced newer or older settings) hands out contexts
/// that cores keep only for the short TTL.
/// </summary>
public sealed class DecisionSettingsDigest(TenantDirectory tenants, IOptionsMonitor<AuthQuotaOptions> options)
{
    public string Current()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"reservation-ttl-ms {(long)options.CurrentValue.ReservationTtl.TotalMilliseconds}\n");
        foreach (var (name, limits) in tenants.All.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            // Length-prefixed: a tenant name may hold any character.
            text.Append(CultureInfo.InvariantCulture,
                $"tenant {name.Length}:{name} {limits.RequestsPerMinute} {limits.TokensPerMinute} {limits.TokensPerDay} {limits.MaxConcurrentStreams}\n");
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
