using System.Net;
using System.Text.Json;
using AiCdn.Common.Errors;
using AiCdn.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace AiCdn.CoreRelay.Tests;

/// <summary>UseOpenAiErrors, shared by every service: a bug answers OpenAI's 500 and never the exception's text.</summary>
public sealed class UnhandledErrorTests
{
    [Fact]
    public async Task UnhandledException_AnswersOpenAi500_WithoutItsMessage()
    {
        const string secret = "sk-aicdn-must-not-leak";
        await using var host = await ServiceHost.StartAsync(
            b => b.Logging.ClearProviders(),
            a =>
            {
                a.UseOpenAiErrors();
                a.MapGet("/boom", string () => throw new InvalidOperationException($"origin key {secret} rejected"));
            });
        using var client = host.CreateClient();

        using var response = await client.GetAsync("/boom");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(body);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("internal_error", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }
}
