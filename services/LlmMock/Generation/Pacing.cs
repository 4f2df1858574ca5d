using System.Globalization;
using AiCdn.Common.Errors;

namespace AiCdn.LlmMock.Generation;

/// <summary>A request's timing and forced length: the <c>x-mock-*</c> headers over the configured defaults.</summary>
public readonly record struct Pacing(TimeSpan TimeToFirstToken, TimeSpan TokenInterval, int? ForcedTokens)
{
    public const string TtftHeader = "x-mock-ttft-ms";
    public const string TokenIntervalHeader = "x-mock-token-interval-ms";
    public const string TokensHeader = "x-mock-tokens";

    public static bool TryRead(IHeaderDictionary headers, MockOptions options, out Pacing pacing, out OpenAiErrorResult? error)
    {
        pacing = default;
        error = null;
        if (!TryHeader(headers, TtftHeader, MockOptionsValidator.MaxDelayMs, out var ttft, ref error)
            || !TryHeader(headers, TokenIntervalHeader, MockOptionsValidator.MaxDelayMs, out var interval, ref error)
            || !TryHeader(headers, TokensHeader, options.MaxCompletionTokens, out var tokens, ref error))
        {
            return false;
        }

        pacing = new Pacing(
            TimeSpan.FromMilliseconds(ttft ?? options.TimeToFirstTokenMs),
            TimeSpan.FromMilliseconds(interval ?? options.TokenIntervalMs),
            tokens);
        return true;
    }

    private static bool TryHeader(IHeaderDictionary headers, string name, int max, out int? value, ref OpenAiErrorResult? error)
    {
        value = null;
        var raw = headers[name];
        if (raw.Count == 0)
        {
            return true;
        }

        if (raw.Count == 1 && int.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed <= max)
        {
            value = parsed;
            return true;
        }

        error = OpenAiErrors.InvalidParameter(name, $"Header '{name}' must be a whole number from 0 to {max}.");
        return false;
    }
}
