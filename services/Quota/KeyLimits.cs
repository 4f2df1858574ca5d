using System.Text.Json.Serialization;

namespace AiCdn.Quota;

/// <summary>
/// The limits of one API key or one tenant. A null member means "no such limit". Requests and
/// tokens per minute refill continuously (a token bucket holding one minute's worth); tokens per
/// day reset at UTC midnight; concurrent streams are leases.
/// </summary>
public sealed record KeyLimits(
    [property: JsonPropertyName("requests_per_minute")] long? RequestsPerMinute = null,
    [property: JsonPropertyName("tokens_per_minute")] long? TokensPerMinute = null,
    [property: JsonPropertyName("tokens_per_day")] long? TokensPerDay = null,
    [property: JsonPropertyName("max_concurrent_streams")] long? MaxConcurrentStreams = null)
{
    /// <summary>No limit at all.</summary>
    public static KeyLimits None { get; } = new();

    /// <summary>The largest value a limit may take; keeps every sum exact in Lua's doubles.</summary>
    public const long MaxValue = 1_000_000_000_000;

    public long? Get(LimitKind kind) => kind switch
    {
        LimitKind.RequestsPerMinute => RequestsPerMinute,
        LimitKind.TokensPerMinute => TokensPerMinute,
        LimitKind.TokensPerDay => TokensPerDay,
        LimitKind.ConcurrentStreams => MaxConcurrentStreams,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public KeyLimits With(LimitKind kind, long? value) => kind switch
    {
        LimitKind.RequestsPerMinute => this with { RequestsPerMinute = value },
        LimitKind.TokensPerMinute => this with { TokensPerMinute = value },
        LimitKind.TokensPerDay => this with { TokensPerDay = value },
        LimitKind.ConcurrentStreams => this with { MaxConcurrentStreams = value },
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
