using System.Security.Cryptography;

namespace AiCdn.Common.Streams;

/// <summary>
/// Stream ids are <c>s_&lt;node&gt;_&lt;24 hex&gt;</c>: the node names the core that holds the stream, so
/// any edge can route a resume to it. Event ids are <c>&lt;stream id&gt;.&lt;sequence&gt;</c>.
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

    /// <summary>Splits <c>&lt;stream id&gt;.&lt;sequence&gt;</c>.</summary>
    public static bool TryParseEventId(string? value, out string streamId, out long sequence)
    {
        streamId = string.Empty;
        sequence = 0;
        var dot = value?.LastIndexOf('.') ?? -1;
        if (dot <= 0 || !long.TryParse(value.AsSpan(dot + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sequence))
        {
            return false;
        }

        streamId = value![..dot];
        return TryParse(streamId, out _);
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
