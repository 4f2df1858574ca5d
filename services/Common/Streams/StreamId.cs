using System.Globalization;
using System.Security.Cryptography;

namespace AiCdn.Common.Streams;

/// <summary>
/// Stream ids are <c>s_&lt;node&gt;_&lt;24 hex&gt;</c>: the node names the core that holds the stream, so
/// any edge can route a resume to it. Event ids are
/// <c>&lt;stream id&gt;.&lt;sequence&gt;.&lt;prompt tokens&gt;.&lt;completion tokens&gt;</c>: the usage the core
/// would settle if the stream ended after that event. An edge that loses the core holding a stream
/// reports the usage of the last event its client received whole, so the reservation is settled
/// for it rather than left at its estimate (docs/resumable-streams.md, "A core that dies").
/// A resume's <c>Last-Event-ID</c> may also be <c>&lt;stream id&gt;.&lt;sequence&gt;</c>.
/// </summary>
public static class StreamId
{
    /// <summary>The response header naming a resumable stream.</summary>
    public const string Header = "x-aicdn-stream-id";

    /// <summary>The request header a resume carries (the SSE standard's).</summary>
    public const string LastEventIdHeader = "Last-Event-ID";

    /// <summary>The path that resumes a stream.</summary>
    public static string ResumePath(string streamId) => "/v1/streams/" + streamId;

    public static string New(string nodeId) => $"s_{nodeId}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";

    public static bool TryParse(string? value, out string nodeId)
    {
        nodeId = string.Empty;
        if (string.IsNullOrEmpty(value) || value.Length > 128 || !value.StartsWith("s_", StringComparison.Ordinal))
        {
            return false;
        }

        var last = value.LastIndexOf('_');
        if (last <= 2 || value.Length - last - 1 != 24)
        {
            return false;
        }

        nodeId = value[2..last];
        return IsValidNodeId(nodeId);
    }

    /// <summary>The header with the prompt tokens the core counted, for a stream lost before its first event.</summary>
    public const string PromptTokensHeader = "x-aicdn-prompt-tokens";

    /// <summary>Splits an event id into its stream id and sequence (the usage, if any, is not checked here).</summary>
    public static bool TryParseEventId(string? value, out string streamId, out long sequence)
    {
        streamId = string.Empty;
        sequence = 0;
        var dot = value?.IndexOf('.') ?? -1;
        if (dot <= 0)
        {
            return false;
        }

        var rest = value.AsSpan(dot + 1);
        var end = rest.IndexOf('.');
        if (!long.TryParse(end < 0 ? rest : rest[..end], NumberStyles.None, CultureInfo.InvariantCulture, out sequence))
        {
            return false;
        }

        streamId = value![..dot];
        return TryParse(streamId, out _);
    }

    /// <summary>The usage an event id carries: the prompt and completion tokens charged if the stream ended after that event.</summary>
    public static bool TryParseEventUsage(string? value, out int promptTokens, out int completionTokens)
    {
        promptTokens = 0;
        completionTokens = 0;
        if (!TryParseEventId(value, out var streamId, out _))
        {
            return false;
        }

        var usage = value.AsSpan(streamId.Length + 1);
        usage = usage[(usage.IndexOf('.') + 1)..];
        var dot = usage.IndexOf('.');
        return dot > 0
            && int.TryParse(usage[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out promptTokens)
            && int.TryParse(usage[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out completionTokens);
    }

    /// <summary>Writes the event id of event <paramref name="sequence"/> of <paramref name="streamId"/> with the usage so far.</summary>
    public static bool TryFormatEventId(Span<byte> destination, string streamId, long sequence, int promptTokens, int completionTokens, out int written) =>
        System.Text.Unicode.Utf8.TryWrite(destination, CultureInfo.InvariantCulture, $"{streamId}.{sequence}.{promptTokens}.{completionTokens}", out written);

    /// <summary>
    /// The event (<paramref name="eventBytes"/>, ending with its blank line) with our <c>id:</c> line
    /// added last, so it wins over any id the origin sent.
    /// </summary>
    public static byte[] StampEvent(ReadOnlySpan<byte> eventBytes, string streamId, long sequence, int promptTokens, int completionTokens)
    {
        // The event ends with an empty line; its last field line keeps its own terminator.
        var terminator = eventBytes.EndsWith("\r\n"u8) ? 2 : 1;
        var body = eventBytes[..^terminator];
        Span<byte> id = stackalloc byte[160];
        "id: "u8.CopyTo(id);
        TryFormatEventId(id[4..], streamId, sequence, promptTokens, completionTokens, out var written);
        written += 4;
        id[written++] = (byte)'\n';
        id[written++] = (byte)'\n';
        var stamped = new byte[body.Length + written];
        body.CopyTo(stamped);
        id[..written].CopyTo(stamped.AsSpan(body.Length));
        return stamped;
    }

    public static bool IsValidNodeId(string nodeId) =>
        nodeId.Length is > 0 and <= 48 && nodeId.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    /// <summary>A node id from the host name (lower-cased, other characters dropped) and a random suffix.</summary>
    public static string DefaultNodeId()
    {
        var host = new string(Environment.MachineName.ToLowerInvariant().Where(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-').Take(32).ToArray());
        return $"{(host.Length == 0 ? "core" : host)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}";
    }
}
