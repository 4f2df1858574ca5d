using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>What clients get wrong is answered in OpenAI's JSON and logged quietly.</summary>
public sealed class ClientMistakeTests
{
    [Theory]
    [InlineData("GET", "/favicon.ico", 404)]
    [InlineData("GET", "/.env", 404)]
    [InlineData("GET", "/v1/../etc/passwd", 404)]
    [InlineData("POST", "/robots.txt", 404)]
    [InlineData("TRACE", "/v1/models", 405)]
    public async Task NonApiRequest_OpenAiJsonError(string method, string path, int status)
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.CreateEdgeClient();

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Timeouts.Token());

        Assert.Equal(status, (int)response.StatusCode);
        await AssertOpenAiErrorAsync(response);
    }

    [Fact]
    public async Task Connect_Is405InJson()
    {
        await using var chain = await Chain.StartAsync();

        var (status, body) = await RawAsync(chain.Edge.Address, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");

        Assert.Equal(405, status);
        Assert.Contains("\"method_not_allowed\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocketUpgradeOnAPlainApiRoute_Is400InJson()
    {
        await using var chain = await Chain.StartAsync();

        var (status, body) = await RawAsync(chain.Edge.Address,
            "GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");

        Assert.Equal(400, status);
        Assert.Contains("\"websocket_not_supported\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeadOnModels_AnsweredLikeGetWithoutABody()
    {
        await using var chain = await Chain.StartAsync();
        using var client = chain.CreateEdgeClient();
        using var request = ChatRequests.Models();
        request.Method = HttpMethod.Head;

        using var response = await client.SendAsync(request, Timeouts.Token());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task SlowAndResetUploads_NoErrorOrStackTraceInAnyLog()
    {
        var logs = new CapturingLoggerProvider();
        var port = FreePort.Next();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            Edge =
            {
                ["Edge:CoreNodes"] = $"http://127.0.0.1:{port}",
                ["Edge:CoreTransport"] = "h2c",
                ["Edge:Limits:MinRequestBodyDataRateGracePeriod"] = "00:00:02",
            },
            Core = { ["CoreRelay:ListenH2c"] = $"127.0.0.1:{port}" },
            EdgeServices = logs.AddHonouringFilters,
            CoreServices = logs.AddHonouringFilters,
        });

        await Task.WhenAll(
            Enumerable.Range(0, 5).Select(_ => SlowUploadAsync(chain.Edge.Address))
                .Concat(Enumerable.Range(0, 5).Select(_ => ResetUploadAsync(chain.Edge.Address))));

        // Let the core notice its streams were reset.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var loud = logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)
            || (l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("   at ", StringComparison.Ordinal))).ToList();
        Assert.True(loud.Count == 0, $"{loud.Count} error or stack-trace line(s) for client mistakes:\n{string.Join("\n\n", loud)}");
    }

    private static async Task AssertOpenAiErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("code").GetString()));
    }

    private static async Task<(int Status, string Body)> RawAsync(Uri edge, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, edge.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        var buffer = new byte[8192];
        var read = await stream.ReadAsync(buffer, Timeouts.Token());
        var text = Encoding.UTF8.GetString(buffer, 0, read);
        var status = int.Parse(text.Split("\r\n")[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, text);
    }

    private static async Task SlowUploadAsync(Uri edge)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, edge.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {Chain.ApiKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"));
        try
        {
            for (var i = 0; i < 6; i++)
            {
                await stream.WriteAsync("{"u8.ToArray());
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            _ = await stream.ReadAsync(new byte[4096], Timeouts.Token());
        }
        catch (IOException)
        {
        }
    }

    private static async Task ResetUploadAsync(Uri edge)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, edge.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {Chain.ApiKey}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"));
        await stream.WriteAsync(new byte[5000]);
        await Task.Delay(300);
        tcp.Client.LingerState = new LingerOption(true, 0);
        tcp.Close();
    }
}
