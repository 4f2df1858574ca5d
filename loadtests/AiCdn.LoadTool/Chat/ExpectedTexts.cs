using System.Text.Json;
using AiCdn.LoadTool.Http;

namespace AiCdn.LoadTool.Chat;

/// <summary>
/// The text each prompt of a workload must produce, learnt once per prompt before the run from the
/// same target with a non-streamed, unpaced request. The mock's text depends only on the model and
/// the messages, so every streamed copy of that prompt must concatenate to exactly this.
/// </summary>
public sealed class ExpectedTexts
{
    private readonly string[] _texts;

    private ExpectedTexts(string[] texts) => _texts = texts;

    public string For(int prompt) => _texts[prompt];

    public static async Task<ExpectedTexts> FetchAsync(LoadClient client, Uri target, ChatWorkload workload, CancellationToken cancellationToken)
    {
        var texts = new string[workload.Prompts];
        for (var prompt = 0; prompt < workload.Prompts; prompt++)
        {
            using var request = workload.CreateRequest(target, prompt, stream: false, paced: false);
            using var response = await client.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException(
                    $"The target {target} answered the reference request with {(int)response.StatusCode} ({ErrorCode(body) ?? "no OpenAI error code"}); is the chain up and the key valid?");
            }

            texts[prompt] = WholeText(body)
                ?? throw new InvalidOperationException($"The target {target} answered the reference request without choices[0].message.content.");
        }

        return new ExpectedTexts(texts);
    }

    /// <summary><c>choices[0].message.content</c> of a non-streamed completion.</summary>
    public static string? WholeText(ReadOnlySpan<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            return document.RootElement.TryGetProperty("choices", out var choices)
                && choices.ValueKind == JsonValueKind.Array
                && choices.GetArrayLength() > 0
                && choices[0].TryGetProperty("message", out var message)
                && message.TryGetProperty("content", out var content)
                && content.ValueKind == JsonValueKind.String
                ? content.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The <c>error.code</c> of an OpenAI error body; never the message, which may quote what the client sent.</summary>
    public static string? ErrorCode(ReadOnlySpan<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            return document.RootElement.TryGetProperty("error", out var error)
                && error.TryGetProperty("code", out var code)
                && code.ValueKind == JsonValueKind.String
                ? code.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
