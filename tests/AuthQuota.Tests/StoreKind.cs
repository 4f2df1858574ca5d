namespace AiCdn.AuthQuota.Tests;

/// <summary>The two stores every quota behaviour is tested against.</summary>
public enum StoreKind
{
    Redis,
    Memory,
}
