using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AiCdn.LoadTool.Chaos;

/// <summary>The requests the chaos scenario sends: one prompt (so one expected text), tagged with the key's index in <c>user</c>.</summary>
public static class ChaosRequests
{
    public const string Prompt = "AiCdn chaos run: tell me about resilient content delivery.";

    public static HttpRequestMessage Chat(Uri edge, string key, int keyIndex, int tokens, bool stream, int intervalMs, string? fault = null)
    {
        var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("model", "mock-gpt");
            json.WriteBoolean("stream", stream);
            json.WriteNumber("max_tokens", tokens);
            json.WriteString("user", User(keyIndex));
            json.WriteStartArray("messages");
            json.WriteStartObject();
            json.WriteString("role", "user");
            json.WriteString("content", Prompt);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(edge, "v1/chat/completions")) { Content = new ByteArrayContent(body.ToArray()) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.TryAddWithoutValidation("x-mock-tokens", tokens.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-mock-ttft-ms", "0");
        request.Headers.TryAddWithoutValidation("x-mock-token-interval-ms", intervalMs.ToString(CultureInfo.InvariantCulture));
        if (fault is not null)
        {
            request.Headers.TryAddWithoutValidation("x-mock-fault", fault);
        }

        return request;
    }

    /// <summary>The <c>user</c> tag of key <paramref name="keyIndex"/>: what the mock's usage ledger counts by.</summary>
    public static string User(int keyIndex) => "chaos-key-" + keyIndex.ToString(CultureInfo.InvariantCulture);

    public static string KeyId(string key) =>
        "key_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
}
