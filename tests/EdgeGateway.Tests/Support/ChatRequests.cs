using System.Net.Http.Headers;
using System.Text;
using AiCdn.Testing;

namespace AiCdn.EdgeGateway.Tests.Support;

/// <summary>Chat-completion requests as clients send them, with the mock's pacing headers.</summary>
public static class ChatRequests
{
    public static HttpRequestMessage Streamed(int tokens, int ttftMs = 0, int intervalMs = 0, string? key = Chain.ApiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(
                $$"""{"model":"mock-gpt","stream":true,"max_tokens":{{tokens}},"messages":[{"role":"user","content":"hi"}]}""",
                Encoding.UTF8,
                "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        request.Headers.TryAddWithoutValidation("x-mock-ttft-ms", ttftMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-mock-token-interval-ms", intervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return request;
    }

    public static HttpRequestMessage Models(string? key = Chain.ApiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return request;
    }
}
