using System.Globalization;
using System.Text;

namespace AiCdn.LlmMock.Faults;

/// <summary>
/// The faults one request will suffer, from its <c>x-mock-fault</c> header or the configured rates.
/// Chunk counts are content chunks (one token each); the role chunk and other framing do not count.
/// </summary>
public readonly record struct FaultPlan
{
    public const string HeaderName = "x-mock-fault";

    public static FaultPlan None => default;

    /// <summary>Answer with this error status (an OpenAI error body) instead of a completion.</summary>
    public int? Status { get; init; }

    /// <summary><c>Retry-After</c> seconds sent with <see cref="Status"/>; none when null or 0.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Reset the connection before any byte of the response.</summary>
    public bool AbortBeforeHeaders { get; init; }

    /// <summary>Reset the connection when the chunk after this many content chunks would be due.</summary>
    public int? AbortAfterChunks { get; init; }

    /// <summary>Pause for <see cref="Stall"/> after this many content chunks.</summary>
    public int? StallAfterChunks { get; init; }

    public TimeSpan Stall { get; init; }

    /// <summary>Send one chunk of broken JSON after this many content chunks, then carry on.</summary>
    public int? MalformedAfterChunks { get; init; }

    /// <summary>Hold the response headers back this long (on top of the time to first token).</summary>
    public TimeSpan SlowFirstByte { get; init; }

    public bool IsNone => this == default;

    /// <summary>Faults that act on the stream once it has started.</summary>
    public bool AffectsStream => AbortAfterChunks is not null || StallAfterChunks is not null || MalformedAfterChunks is not null;

    /// <summary>Parses the <c>x-mock-fault</c> grammar: directives <c>key[=value]</c> separated by <c>;</c> or <c>,</c>.</summary>
    public static bool TryParse(string header, FaultOptions defaults, out FaultPlan plan, out string? problem)
    {
        plan = default;
        problem = null;
        var none = false;
        var directives = 0;
        foreach (var range in header.AsSpan().SplitAny(";,"))
        {
            var directive = header.AsSpan()[range].Trim();
            if (directive.IsEmpty)
            {
                continue;
            }

            directives++;
            var equals = directive.IndexOf('=');
            var key = (equals < 0 ? directive : directive[..equals]).Trim().ToString().ToLowerInvariant();
            var value = equals < 0 ? ReadOnlySpan<char>.Empty : directive[(equals + 1)..].Trim();
            switch (key)
            {
                case "none":
                    none = true;
                    break;
                case "status" when TryInt(value, 400, 599, out var status):
                    plan = plan with { Status = status };
                    break;
                case "retry-after" when TryInt(value, 0, 86_400, out var seconds):
                    plan = plan with { RetryAfterSeconds = seconds };
                    break;
                case "abort-before-headers" when value.IsEmpty || value.Equals("true", StringComparison.OrdinalIgnoreCase):
                    plan = plan with { AbortBeforeHeaders = true };
                    break;
                case "abort-after" when TryInt(value, 0, int.MaxValue, out var chunks):
                    plan = plan with { AbortAfterChunks = chunks };
                    break;
                case "stall-after" when TryInt(value, 0, int.MaxValue, out var chunks):
                    plan = plan with { StallAfterChunks = chunks };
                    break;
                case "stall-ms" when TryInt(value, 0, MockOptionsValidator.MaxDelayMs, out var ms):
                    plan = plan with { Stall = TimeSpan.FromMilliseconds(ms) };
                    break;
                case "malformed-after" when TryInt(value, 0, int.MaxValue, out var chunks):
                    plan = plan with { MalformedAfterChunks = chunks };
                    break;
                case "slow-first-byte-ms" when TryInt(value, 0, MockOptionsValidator.MaxDelayMs, out var ms):
                    plan = plan with { SlowFirstByte = TimeSpan.FromMilliseconds(ms) };
                    break;
                default:
                    problem = $"The {HeaderName} directive '{Truncate(directive)}' is not understood. Use status=<400-599>, retry-after=<s>, " +
                        "abort-after=<chunks>, abort-before-headers, stall-after=<chunks>, stall-ms=<ms>, malformed-after=<chunks>, " +
                        "slow-first-byte-ms=<ms> or none, separated by ';'.";
                    plan = default;
                    return false;
            }
        }

        if (none && directives > 1)
        {
            problem = $"The {HeaderName} directive 'none' cannot be combined with other faults.";
            plan = default;
            return false;
        }

        // A stall names where or how long; the other half comes from the configured defaults.
        if (plan.StallAfterChunks is null && plan.Stall > TimeSpan.Zero)
        {
            plan = plan with { StallAfterChunks = defaults.StallAfterChunks };
        }
        else if (plan.StallAfterChunks is not null && plan.Stall == TimeSpan.Zero)
        {
            plan = plan with { Stall = TimeSpan.FromMilliseconds(defaults.StallMs) };
        }

        if (plan.Status is 429 or 503 && plan.RetryAfterSeconds is null)
        {
            plan = plan with { RetryAfterSeconds = defaults.RetryAfterSeconds };
        }

        return true;
    }

    /// <summary>A short description for logs, in the header's own grammar.</summary>
    public override string ToString()
    {
        if (IsNone)
        {
            return "none";
        }

        var text = new StringBuilder();
        Append(text, "status", Status);
        Append(text, "retry-after", RetryAfterSeconds);
        if (AbortBeforeHeaders)
        {
            text.Append("abort-before-headers;");
        }

        Append(text, "abort-after", AbortAfterChunks);
        Append(text, "stall-after", StallAfterChunks);
        Append(text, "stall-ms", StallAfterChunks is null ? null : (int)Stall.TotalMilliseconds);
        Append(text, "malformed-after", MalformedAfterChunks);
        Append(text, "slow-first-byte-ms", SlowFirstByte > TimeSpan.Zero ? (int)SlowFirstByte.TotalMilliseconds : null);
        return text.ToString().TrimEnd(';');
    }

    private static void Append(StringBuilder text, string key, int? value)
    {
        if (value is { } v)
        {
            text.Append(key).Append('=').Append(v.ToString(CultureInfo.InvariantCulture)).Append(';');
        }
    }

    private static bool TryInt(ReadOnlySpan<char> value, int min, int max, out int result) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= min && result <= max;

    private static string Truncate(ReadOnlySpan<char> text) => text.Length <= 64 ? text.ToString() : string.Concat(text[..64], "...");
}
