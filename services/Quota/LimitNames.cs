namespace AiCdn.Quota;

/// <summary>Stable names of limits: metric tag values, JSON member names and the words in error messages.</summary>
public static class LimitNames
{
    public static string Tag(LimitKind kind) => kind switch
    {
        LimitKind.RequestsPerMinute => "requests_per_minute",
        LimitKind.TokensPerMinute => "tokens_per_minute",
        LimitKind.TokensPerDay => "tokens_per_day",
        LimitKind.ConcurrentStreams => "concurrent_streams",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The wording OpenAI uses in its rate-limit messages ("tokens per min (TPM)").</summary>
    public static string Words(LimitKind kind) => kind switch
    {
        LimitKind.RequestsPerMinute => "requests per minute (RPM)",
        LimitKind.TokensPerMinute => "tokens per minute (TPM)",
        LimitKind.TokensPerDay => "tokens per day (TPD)",
        LimitKind.ConcurrentStreams => "concurrent streams",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string Tag(LimitScope scope) => scope == LimitScope.Key ? "key" : "tenant";

    public static readonly LimitKind[] Kinds =
        [LimitKind.RequestsPerMinute, LimitKind.TokensPerMinute, LimitKind.TokensPerDay, LimitKind.ConcurrentStreams];
}
