using System.Net;
using System.Text.Json;
using AiCdn.EdgeGateway.Draining;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>Chat completions over one WebSocket, relayed as ordinary streamed requests through the real core.</summary>
public sealed class WebSocketChatTests : IAsyncLifetime
{
    private Chain _chain = null!;

    public async Task InitializeAsync() => _chain = await Chain.StartAsync(new ChainSettings
    {
        // Slow enough that the three requests overlap on the socket.
        Mock = new() { ["Mock:TokenIntervalMs"] = "30" },
    });

    public async Task DisposeAsync() => await _chain.DisposeAsync();

    [Fact]
    public async Task SeveralRequests_OneSocket_EachStreamsDeltasThenDoneWithUsage()
    {
        await using var socket = await ChatSocket.ConnectAsync(_chain.Edge.Address);

        await socket.SendRequestAsync("a", tokens: 6);
        await socket.SendRequestAsync("b", tokens: 9);
        await socket.SendRequestAsync("c", tokens: 4);
        var messages = await socket.ReceiveUntilFinishedAsync("a", "b", "c");

        foreach (var (id, tokens) in new[] { ("a", 6), ("b", 9), ("c", 4) })
        {
            var mine = messages.Where(m => m.GetProperty("id").GetString() == id).ToList();
            var done = Assert.Single(mine, m => m.GetProperty("type").GetString() == "done");
            Assert.Equal(tokens, done.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
            Assert.True(done.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > 0);
            Assert.Equal("length", done.GetProperty("finish_reason").GetString());
            var deltas = mine.Where(m => m.GetProperty("type").GetString() == "delta").ToList();
            Assert.NotEmpty(deltas);
            Assert.All(deltas, d => Assert.False(string.IsNullOrEmpty(d.GetProperty("content").GetString())));
            Assert.True(mine.IndexOf(done) == mine.Count - 1, $"request {id}: done is its last message");
        }

        // They ran at once: the first message of the last request came before the first request finished.
        var firstOfC = messages.FindIndex(m => m.GetProperty("id").GetString() == "c");
        var doneOfA = messages.FindIndex(m => m.GetProperty("id").GetString() == "a" && m.GetProperty("type").GetString() == "done");
        Assert.True(firstOfC < doneOfA, "the requests were interleaved on the socket");
        Assert.Equal(System.Net.WebSockets.WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task BadMessages_AnsweredWithErrorMessages_SocketStaysUsable()
    {
        await using var socket = await ChatSocket.ConnectAsync(_chain.Edge.Address);

        await socket.SendAsync("{not json");
        var invalid = await socket.ReceiveAsync();
        await socket.SendAsync("""{"id":"m","model":"no-such-model","messages":[{"role":"user","content":"x"}]}""");
        var fromOrigin = await socket.ReceiveAsync();
        await socket.SendRequestAsync("ok", tokens: 2);
        var afterwards = await socket.ReceiveUntilFinishedAsync("ok");

        Assert.Equal("error", invalid!.Value.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, invalid.Value.GetProperty("id").ValueKind);
        Assert.Equal("invalid_json", invalid.Value.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("error", fromOrigin!.Value.GetProperty("type").GetString());
        Assert.Equal("m", fromOrigin.Value.GetProperty("id").GetString());
        Assert.Equal(404, fromOrigin.Value.GetProperty("status").GetInt32());
        Assert.Equal("model_not_found", fromOrigin.Value.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("done", afterwards[^1].GetProperty("type").GetString());
    }

    [Fact]
    public async Task UnknownKey_CoreRefusesEachRequest_AsErrorMessage()
    {
        await using var socket = await ChatSocket.ConnectAsync(_chain.Edge.Address, key: "sk-aicdn-not-a-real-key");

        await socket.SendRequestAsync("k", tokens: 2);
        var message = await socket.ReceiveAsync();

        Assert.Equal("error", message!.Value.GetProperty("type").GetString());
        Assert.Equal(401, message.Value.GetProperty("status").GetInt32());
        Assert.Equal("invalid_api_key", message.Value.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Cancel_RunningRequest_EndsWithCanceledError()
    {
        await using var socket = await ChatSocket.ConnectAsync(_chain.Edge.Address);

        var (first, messages) = await CancelAfterFirstMessageAsync(socket, "long", tokens: 500);

        Assert.Equal("delta", first!.Value.GetProperty("type").GetString());
        Assert.Equal("error", messages[^1].GetProperty("type").GetString());
        Assert.Equal("canceled", messages[^1].GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Cancel_RunningRequest_CoreStopsTheOriginAndReleasesTheStreamAtOnce()
    {
        // One concurrent stream per key: the next request fits only once the canceled one is over.
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Mock = { ["Mock:TokenIntervalMs"] = "30" },
            AuthQuota = { ["AuthQuota:DefaultLimits:MaxConcurrentStreams"] = "1" },
        });
        await using var socket = await ChatSocket.ConnectAsync(chain.Edge.Address);

        // 2,000 tokens 30 ms apart: a core that kept generating would hold the stream for a minute.
        var (first, canceled) = await CancelAfterFirstMessageAsync(socket, "long", tokens: 2000);
        Assert.Equal("delta", first!.Value.GetProperty("type").GetString());
        Assert.Equal("canceled", canceled[^1].GetProperty("error").GetProperty("code").GetString());

        // The lease is released when the core settles, just after the cancel: a few tries, bounded
        // well below the minute the canceled stream would otherwise have run.
        string? outcome = null;
        for (var attempt = 0; attempt < 20 && outcome != "done"; attempt++)
        {
            await socket.SendRequestAsync($"next{attempt}", tokens: 2);
            var next = await socket.ReceiveUntilFinishedAsync($"next{attempt}");
            outcome = next[^1].GetProperty("type").GetString();
            if (outcome != "done")
            {
                Assert.Equal(429, next[^1].GetProperty("status").GetInt32());
                await Task.Delay(250);
            }
        }

        Assert.Equal("done", outcome);
    }

    [Fact]
    public async Task Draining_RunningRequestFinishesNewOnesRefusedThenSocketClosed()
    {
        await using var socket = await ChatSocket.ConnectAsync(_chain.Edge.Address);
        await socket.SendRequestAsync("running", tokens: 20);
        var first = await socket.ReceiveAsync();

        _chain.Edge.Services.GetRequiredService<DrainCoordinator>().BeginDrain();
        await socket.SendRequestAsync("late", tokens: 2);
        var messages = await socket.ReceiveUntilFinishedAsync("running", "late");
        var afterwards = await socket.ReceiveAsync();

        Assert.Equal("delta", first!.Value.GetProperty("type").GetString());
        var late = Assert.Single(messages, m => m.GetProperty("id").GetString() == "late");
        Assert.Equal("server_draining", late.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("done", messages.Last(m => m.GetProperty("id").GetString() == "running").GetProperty("type").GetString());
        Assert.Null(afterwards);
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, socket.CloseStatus);
    }

    [Fact]
    public async Task Upgrade_WithoutKeyOrWithoutUpgrade_RefusedWithOpenAiStatus()
    {
        Assert.Equal(401, await ChatSocket.RefusedStatusAsync(_chain.Edge.Address, key: null));

        using var client = _chain.CreateEdgeClient();
        using var plain = await client.GetAsync("/v1/ws/chat", Timeouts.Token());
        Assert.Equal(HttpStatusCode.UpgradeRequired, plain.StatusCode);
        Assert.Equal("websocket_required", (await plain.ErrorAsync()).GetProperty("code").GetString());
    }

    /// <summary>Starts request <paramref name="id"/>, cancels it after its first message, and reads to its end.</summary>
    private static async Task<(JsonElement? First, List<JsonElement> Messages)> CancelAfterFirstMessageAsync(ChatSocket socket, string id, int tokens)
    {
        await socket.SendRequestAsync(id, tokens);
        var first = await socket.ReceiveAsync();
        await socket.SendAsync($$"""{"type":"cancel","id":"{{id}}"}""");
        return (first, await socket.ReceiveUntilFinishedAsync(id));
    }
}
