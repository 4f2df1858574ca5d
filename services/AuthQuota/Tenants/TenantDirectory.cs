using System.Collections.Frozen;
using AiCdn.Quota;
using Microsoft.Extensions.Options;

namespace AiCdn.AuthQuota.Tenants;

/// <summary>
/// Tenants' own limits, from configuration and the keys file (the file wins for a tenant named in
/// both). Every replica reads the same configuration and file, so they agree. Only these tenants
/// (and the default tenant) appear as metric labels; any other tenant is <c>other</c>.
/// </summary>
public sealed class TenantDirectory
{
    public const string OtherLabel = "other";

    private readonly FrozenDictionary<string, KeyLimits> _configured;
    private readonly string _defaultTenant;
    private volatile FrozenDictionary<string, KeyLimits> _current;

    public TenantDirectory(IOptions<AuthQuotaOptions> options)
    {
        _defaultTenant = options.Value.DefaultTenant;
        _configured = options.Value.Tenants.ToFrozenDictionary(t => t.Key, t => t.Value.ToLimits(), StringComparer.Ordinal);
        _current = _configured;
    }

    public KeyLimits LimitsOf(string tenant) => _current.GetValueOrDefault(tenant) ?? KeyLimits.None;

    public string Label(string tenant) => tenant == _defaultTenant || _current.ContainsKey(tenant) ? tenant : OtherLabel;

    /// <summary>Applies the keys file's tenants on top of the configured ones.</summary>
    public void UseFileTenants(IReadOnlyDictionary<string, KeyLimits> fileTenants)
    {
        var merged = new Dictionary<string, KeyLimits>(_configured, StringComparer.Ordinal);
        foreach (var (name, limits) in fileTenants)
        {
            merged[name] = limits;
        }

        _current = merged.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
