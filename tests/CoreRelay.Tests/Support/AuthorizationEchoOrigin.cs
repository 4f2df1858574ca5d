using System.Collections.Concurrent;
using AiCdn.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AiCdn.CoreRelay.Tests.Support;

/// <summary>An origin that records every header it receives and answers a minimal chat completion.</summary>
public sealed class AuthorizationEchoOrigin : IAsyncDisposable
{
    private readonly ServiceHost _host;

    private AuthorizationEchoOrigin(ServiceHost host) => _host = host;

    public string Url => _host.Address.ToString().TrimEnd('/');

    public ConcurrentQueue<string> AuthorizationHeaders { get; } = new();

    public ConcurrentQueue<string> AllHeaderValues { get; } = new();

    public ConcurrentQueue<string> HeaderNames { get; } = new();

    public static async Task<AuthorizationEchoOrigin> StartAsync()
    {
        AuthorizationEchoOrigin? origin = null;
        var host = await ServiceHost.StartAsync(_ => { }, app => app.MapPost("/v1/chat/completions", (HttpContext context) =>
        {
            foreach (var header in context.Request.Headers)
            {
                origin!.AllHeaderValues.Enqueue(header.Value.ToString());
                origin.HeaderNames.Enqueue(header.Key.ToLowerInvariant());
            }

            origin!.AuthorizationHeaders.Enqueue(context.Request.Headers.Authorization.ToString());
            return Results.Text("""{"id":"x","object":"chat.completion","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""", "application/json");
        }));
        origin = new AuthorizationEchoOrigin(host);
        return origin;
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
