using System.Text;

namespace AiCdn.Fuzz.Tests.Support;

/// <summary>One generated HTTP request, as raw as a hostile client would send it.</summary>
public sealed record FuzzRequest(string Method, string Path, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[]? Body)
{
    /// <summary>How a failing case is printed: enough to replay it with curl.</summary>
    public override string ToString()
    {
        var text = new StringBuilder($"{Method} {Path}");
        foreach (var (name, value) in Headers)
        {
            text.Append($" | {name}: {value}");
        }

        if (Body is { } body)
        {
            var shown = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
            text.Append($" | body ({body.Length} bytes): {shown}");
        }

        return text.ToString();
    }
}
