using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AiCdn.EdgeGateway.Draining;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>SIGTERM: unready at once, new connections refused, open streams finish or end with server_draining at the deadline.</summary>
public sealed class DrainTests
{
    [Fact]
    public async Task Stop_StreamInFlight_FinishesWhileNewConnectionsAreRefused()
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.CreateEdgeClient();
        using var response = await client.SendAsync(ChatRequests.Streamed(tokens: 20, intervalMs: 100), HttpCompletionOption.ResponseHeadersRead, Timeouts.Token());
        var reading = SseClient.ReadAllAsync(response, Timeouts.Token());

        var stopping = chain.Edge.App.StopAsync(Timeouts.Token());
        var drain = chain.Edge.Services.GetRequiredService<DrainCoordinator>();
        await Wait.UntilAsync(() => drain.IsDraining, Timeouts.Short, "the edge begins to drain");
        var health = chain.Edge.Services.GetRequiredService<HealthCheckService>();
        var report = await health.CheckHealthAsync(Timeouts.Token());
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["draining"].Status);
        await Wait.UntilAsync(async () => !await CanConnectAsync(chain.Edge.Address.Port), Timeouts.Short, "the public listener refuses new connections");

        var events = await reading;
        await stopping.WaitAsync(Timeouts.Long);

        Assert.Equal("[DONE]", events[^1].Data);
        Assert.Equal(20, events.WithContent().Count);
    }

    [Fact]
    public async Task Stop_StreamOutlivesDrainTimeout_EndsWithServerDrainingEvent()
    {
        var time = EdgeChains.Clock();
        await using var chain = await EdgeChains.StartAsync(new() { ["Edge:DrainTimeout"] = "00:00:05" }, time);
        using var client = chain.CreateEdgeClient();
        using var response = await client.SendAsync(ChatRequests.Streamed(tokens: 2000, intervalMs: 20), HttpCompletionOption.ResponseHeadersRead, Timeouts.Token());
        var received = new List<SseEvent>();
        var reading = Task.Run(async () =>
        {
            await foreach (var item in SseClient.ReadAsync(response, Timeouts.Token()))
            {
                lock (received)
                {
                    received.Add(item);
                }
            }
        });
        await Wait.UntilAsync(() => { lock (received) { return received.Count >= 3; } }, Timeouts.Short, "the stream is under way");

        var drain = chain.Edge.Services.GetRequiredService<DrainCoordinator>();
        var stopping = chain.Edge.App.StopAsync(Timeouts.Token());
        await Wait.UntilAsync(() => drain.IsDraining, Timeouts.Short, "the edge begins to drain");
        time.Advance(TimeSpan.FromSeconds(5));

        await reading.WaitAsync(Timeouts.Short);
        await stopping.WaitAsync(Timeouts.Short);

        var last = received[^1];
        using var error = JsonDocument.Parse(last.Data);
        Assert.Equal("server_draining", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain(received, e => e.Data == "[DONE]");
        Assert.All(received.SkipLast(1), e => JsonDocument.Parse(e.Data).Dispose());
    }

    [Fact]
    public async Task Draining_NewRequest_503ServerDrainingAndUnready()
    {
        await using var chain = await Chain.StartAsync();
        chain.Edge.Services.GetRequiredService<DrainCoordinator>().BeginDrain();
        using var client = chain.CreateEdgeClient();
        using var management = EdgeHosts.CreateClient(chain.Edge.ManagementAddress());

        using var response = await client.SendAsync(ChatRequests.Models(), Timeouts.Token());
        using var readiness = await management.GetAsync("/health", Timeouts.Token());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal("server_draining", (await response.ErrorAsync()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
    }

    private static async Task<bool> CanConnectAsync(int port)
    {
        using var socket = new TcpClient();
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
