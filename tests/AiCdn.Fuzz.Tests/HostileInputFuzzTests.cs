using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using AiCdn.Testing;
using CsCheck;
using Xunit.Abstractions;

namespace AiCdn.Fuzz.Tests;

/// <summary>
/// Thousands of generated malformed requests against the running chain (edge, core, auth-quota and
/// llm-mock on real sockets, the core forwarding only its default header allow-list, as in
/// production): every public route of the edge, the admin API and WebSocket chat messages. None
/// may get a 5xx, every error is OpenAI's JSON, no service logs an error or any key, and every
/// service still answers its health check at the end. A failing case is shrunk and printed with
/// its seed, so it replays.
/// </summary>
public sealed class HostileInputFuzzTests(ITestOutputHelper output)
{
    private const int EdgeCases = 4200;
    private const int AdminCases = 600;
    private const int WebSocketSockets = 8;
    private const int MessagesPerSocket = 60;
    private const string Seed = "0N0XIzNsQ0O2";

    [Fact]
    public async Task GeneratedMalformedRequests_NeverA5xx_AlwaysOpenAiJson_NothingLoggedAsErrorOrSecret()
    {
        var logs = new CapturingLoggerProvider();
        await using var chain = await Chain.StartAsync(new ChainSettings
        {
            // Production's allow-list: the mock's fault headers must not reach it from clients.
            Core = { ["CoreRelay:ForwardRequestHeaders"] = "accept-language,openai-beta,user-agent,x-request-id" },
            Edge = { ["Edge:Limits:PerIpRequestsPerSecond"] = "1000000", ["Edge:Limits:PerIpConcurrentRequests"] = "1000000" },
            MockServices = logs.AddHonouringFilters,
            AuthQuotaServices = logs.AddHonouringFilters,
            CoreServices = logs.AddHonouringFilters,
            EdgeServices = logs.AddHonouringFilters,
        });
        var statuses = new ConcurrentDictionary<int, int>();
        using var edge = Client(chain.Edge.Address);
        using var authQuota = Client(chain.AuthQuota.Address);

        await FuzzCases.EdgeRequest.SampleAsync(request => CheckAsync(edge, request, statuses), iter: EdgeCases, threads: 4, seed: Seed);
        await FuzzCases.AdminRequest.SampleAsync(request => CheckAsync(authQuota, request, statuses), iter: AdminCases, threads: 4, seed: Seed);
        var messages = await FuzzWebSocketAsync(chain.Edge.Address);

        var total = EdgeCases + AdminCases + messages;
        output.WriteLine($"fuzz: {total} cases ({EdgeCases} edge requests, {AdminCases} admin API requests, {messages} WebSocket messages); statuses: "
            + string.Join(", ", statuses.Where(s => s.Key > 0).OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))
            + $"; refused by Kestrel before the application: {statuses.GetValueOrDefault(-400)}");

        foreach (var service in new[] { chain.Mock, chain.AuthQuota, chain.Core })
        {
            using var health = await Client(service.Address).GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var lines = logs.Lines;
        var errors = lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"{errors.Count} error line(s) logged under fuzzing, e.g.:\n{errors.FirstOrDefault()}");
        foreach (var secret in new[] { Chain.ApiKey, FuzzCases.WrongKey, Chain.AdminToken, Chain.ClusterSecret, "sk-aicdn-ключ" })
        {
            var leaks = lines.Where(l => l.Contains(secret, StringComparison.Ordinal)).ToList();
            Assert.True(leaks.Count == 0, $"a secret appears in {leaks.Count} log line(s), e.g.:\n{leaks.FirstOrDefault()}");
        }
    }

    private static async Task CheckAsync(HttpClient client, FuzzRequest fuzz, ConcurrentDictionary<int, int> statuses)
    {
        using var request = new HttpRequestMessage(new HttpMethod(fuzz.Method), fuzz.Path);
        if (fuzz.Body is { } body)
        {
            request.Content = new ByteArrayContent(body);
        }

        foreach (var (name, value) in fuzz.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.SendAsync(request, timeout.Token);
        var text = await response.Content.ReadAsStringAsync(timeout.Token);
        var status = (int)response.StatusCode;
        statuses.AddOrUpdate(status, 1, (_, n) => n + 1);

        if (status >= 500)
        {
            throw new InvalidOperationException($"{status} for {fuzz}: {Cut(text)}");
        }

        if (IsRefusedByKestrel(response, text))
        {
            // The request line itself was malformed (a %00 in the path): Kestrel answers before any
            // application code runs, with an empty 400 it writes itself (docs/security.md).
            statuses.AddOrUpdate(-400, 1, (_, n) => n + 1);
            return;
        }

        if (status >= 400 && fuzz.Method != "HEAD" && !IsOpenAiError(text))
        {
            throw new InvalidOperationException($"{status} without OpenAI's error JSON for {fuzz}: {Cut(text)}");
        }
    }

    /// <summary>Sockets that each send a run of generated messages; every answer must be a well-formed message and the socket must stay open.</summary>
    private static async Task<int> FuzzWebSocketAsync(Uri edge)
    {
        var sent = 0;
        var random = PCG.Parse(Seed);
        for (var socketIndex = 0; socketIndex < WebSocketSockets; socketIndex++)
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Bearer " + Chain.ApiKey);
            using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{edge.Port}/v1/ws/chat"), connect.Token);

            var received = new ConcurrentQueue<string>();
            using var stop = new CancellationTokenSource();
            var reader = ReadAllAsync(socket, received, stop.Token);
            var messages = FuzzCases.WebSocketMessage.Array[MessagesPerSocket].Generate(random, null, out _);
            foreach (var message in messages)
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, connect.Token);
                sent++;
            }

            await socket.SendAsync(new byte[] { 0xff, 0x00 }, WebSocketMessageType.Binary, endOfMessage: true, connect.Token);
            sent++;

            // Quiet for a second: every request has ended.
            var count = -1;
            for (var i = 0; i < 60 && received.Count != count; i++)
            {
                count = received.Count;
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            Assert.True(socket.State == WebSocketState.Open,
                $"the edge closed the socket ({socket.CloseStatus} {socket.CloseStatusDescription}) after: {string.Join(" || ", messages.Select(Cut))}; last answers: {string.Join(" || ", received.TakeLast(3).Select(Cut))}");
            foreach (var message in received)
            {
                AssertWellFormedMessage(message);
            }

            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            await stop.CancelAsync();
            await reader;
        }

        return sent;
    }

    private static async Task ReadAllAsync(ClientWebSocket socket, ConcurrentQueue<string> received, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, cancellationToken);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                received.Enqueue(Encoding.UTF8.GetString(message.ToArray()));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
    }

    private static void AssertWellFormedMessage(string message)
    {
        using var json = JsonDocument.Parse(message);
        var type = json.RootElement.GetProperty("type").GetString();
        Assert.Contains(type, new[] { "delta", "done", "error" });
        if (type == "error")
        {
            Assert.True(IsOpenAiError(message), $"a WebSocket error without OpenAI's error object: {Cut(message)}");
            Assert.True(json.RootElement.GetProperty("status").GetInt32() < 500, $"a WebSocket 5xx: {Cut(message)}");
        }
    }

    /// <summary>Kestrel's own refusal of a request it could not parse: 400, no body, connection closed, none of the edge's headers.</summary>
    private static bool IsRefusedByKestrel(HttpResponseMessage response, string text) =>
        response.StatusCode == HttpStatusCode.BadRequest && text.Length == 0 && response.Headers.ConnectionClose == true
        && !response.Headers.Contains("x-request-id");

    /// <summary><c>{"error":{"message":"...","type":"...","code":...}}</c>, message and type non-empty.</summary>
    private static bool IsOpenAiError(string text)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var message) && !string.IsNullOrEmpty(message.GetString())
                && error.TryGetProperty("type", out var type) && !string.IsNullOrEmpty(type.GetString())
                && error.TryGetProperty("code", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static HttpClient Client(Uri address) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        RequestHeaderEncodingSelector = static (_, _) => Encoding.UTF8,
    })
    {
        BaseAddress = address,
        Timeout = TimeSpan.FromSeconds(60),
    };

    private static string Cut(string text) => text.Length > 400 ? text[..400] + "…" : text;
}
