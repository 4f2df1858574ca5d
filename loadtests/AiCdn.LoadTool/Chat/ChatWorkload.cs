using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AiCdn.LoadTool.Chat;

/// <summary>
/// The chat completions a scenario sends: which model, how long, how paced (the llm-mock's
/// <c>x-mock-*</c> headers; a real origin ignores them) and over how many distinct prompts. The same
/// prompt always yields the same text from the mock, which is what makes lost chunks detectable.
/// </summary>
public sealed record ChatWorkload
{
    public const string Path = "v1/chat/completions";

    public required string ApiKey { get; init; }

    public string Model { get; init; } = "mock-gpt";

    /// <summary>Content chunks per completion (<c>x-mock-tokens</c> and <c>max_tokens</c>).</summary>
    public int Tokens { get; init; } = 16;

    public int TimeToFirstTokenMs { get; init; }

    public int TokenIntervalMs { get; init; }

    /// <summary>Distinct prompts, each with its own expected text.</summary>
    public int Prompts { get; init; } = 8;

    public string PromptText(int prompt) =>
        string.Create(CultureInfo.InvariantCulture, $"AiCdn load test, prompt {prompt}: tell me about content delivery.");

    /// <summary>A request for prompt <paramref name="prompt"/>; <paramref name="paced"/> false asks the mock for the same text at once.</summary>
    public HttpRequestMessage CreateRequest(Uri target, int prompt, bool stream, bool paced = true)
    {
        var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("model", Model);
            json.WriteBoolean("stream", stream);
            json.WriteNumber("max_tokens", Tokens);
            json.WriteStartArray("messages");
            json.WriteStartObject();
            json.WriteString("role", "user");
            json.WriteString("content", PromptText(prompt));
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target, Path))
        {
            Content = new ByteArrayContent(body.ToArray()),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        request.Headers.TryAddWithoutValidation("x-mock-tokens", Tokens.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-mock-ttft-ms", (paced ? TimeToFirstTokenMs : 0).ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-mock-token-interval-ms", (paced ? TokenIntervalMs : 0).ToString(CultureInfo.InvariantCulture));
        if (stream)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }

        return request;
    }

    /// <summary>How long the mock takes to send a whole completion of this workload.</summary>
    public TimeSpan GenerationTime =>
        TimeSpan.FromMilliseconds(TimeToFirstTokenMs + ((long)TokenIntervalMs * Math.Max(0, Tokens - 1)));

    internal static string Describe(ChatWorkload w) =>
        string.Create(CultureInfo.InvariantCulture, $"{w.Model}, {w.Tokens} tokens, ttft {w.TimeToFirstTokenMs} ms, every {w.TokenIntervalMs} ms, {w.Prompts} prompts");

    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
