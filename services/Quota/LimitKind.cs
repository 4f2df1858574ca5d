namespace AiCdn.Quota;

/// <summary>The four limits a key or a tenant can carry, in the order the stores report them.</summary>
public enum LimitKind
{
    RequestsPerMinute = 0,
    TokensPerMinute = 1,
    TokensPerDay = 2,
    ConcurrentStreams = 3,
}
