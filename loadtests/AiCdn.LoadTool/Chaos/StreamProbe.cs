using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using AiCdn.LoadTool.Chat;

namespace AiCdn.LoadTool.Chaos;

/// <summary>
/// One held stream, checked against the text the origin must produce: its verdict, and whether any
/// event arrived twice (event ids are <c>&lt;stream&gt;.&lt;sequence&gt;</c>, so a repeat is exact).
/// </summary>
public static class StreamProbe
{
    public sealed record Result(StreamVerdict Verdict, bool Duplicated, string? Detail, bool Refused);

    public static async Task<Result> RunAsync(HttpMessageInvoker client, HttpRequestMessage request, string expectedText, Action opened, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var seen = new HashSet<long>();
        var duplicated = false;
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                return new Result(StreamVerdict.ExplicitError, false, $"status_{(int)response.StatusCode}_{ExpectedTexts.ErrorCode(body) ?? "none"}", Refused: true);
            }

            opened();
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var done = false;
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
            {
                if (Sequence(item.EventId) is { } sequence && !seen.Add(sequence))
                {
                    duplicated = true;
                }

                if (item.Data == "[DONE]")
                {
                    done = true;
                    continue;
                }

                if (ErrorCode(item.Data) is { } code)
                {
                    return new Result(StreamVerdict.ExplicitError, duplicated, "event_" + code, Refused: false);
                }

                text.Append(Content(item.Data));
            }

            if (!done)
            {
                return new Result(StreamVerdict.SilentTruncation, duplicated, $"ended after {text.Length} characters", Refused: false);
            }

            return text.ToString() == expectedText
                ? new Result(StreamVerdict.Complete, duplicated, null, Refused: false)
                : new Result(StreamVerdict.Altered, duplicated, "text_mismatch", Refused: false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or HttpIOException)
        {
            return new Result(StreamVerdict.Cut, duplicated, ex.GetType().Name, Refused: text.Length == 0 && seen.Count == 0 && ex is HttpRequestException);
        }
    }

    private static string? ErrorCode(string data)
    {
        if (!data.Contains("\"error\"", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(data);
            return json.RootElement.TryGetProperty("error", out var error)
                ? error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String ? code.GetString() : "unknown"
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Content(string data)
    {
        try
        {
            using var json = JsonDocument.Parse(data);
            return json.RootElement.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
                && choices[0].TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
                ? content.GetString() ?? string.Empty
                : string.Empty;
        }
        catch (JsonException)
        {
            return string.Empty;
        }
    }

    /// <summary>The sequence of an event id <c>&lt;stream id&gt;.&lt;sequence&gt;[.&lt;prompt&gt;.&lt;completion&gt;]</c>.</summary>
    private static long? Sequence(string? eventId)
    {
        var first = eventId?.IndexOf('.') ?? -1;
        if (first <= 0)
        {
            return null;
        }

        var rest = eventId.AsSpan(first + 1);
        var end = rest.IndexOf('.');
        return long.TryParse(end < 0 ? rest : rest[..end], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence) ? sequence : null;
    }
}
