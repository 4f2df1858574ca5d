namespace AiCdn.Testing.Quota;

/// <summary>The two stores every quota behaviour is tested against.</summary>
public enum StoreKind
{
    Redis,
    Memory,
}
