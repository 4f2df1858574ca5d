using System.Diagnostics;
using System.Net.Sockets;

namespace AiCdn.LoadTool.Chaos;

/// <summary>
/// The chain the chaos scenario hurts, as real processes on loopback: Redis, llm-mock, auth-quota
/// (Redis store), two cores (h2c, deciding against Redis) and two edges. Each can be killed
/// (SIGKILL), stopped and continued (SIGSTOP/SIGCONT), terminated (SIGTERM, which drains an edge)
/// and started again on the same ports. Every process's output goes to a log file.
/// </summary>
public sealed class ChaosChain : IAsyncDisposable
{
    public const string AdminToken = "chaos-admin-token-0123456789abcdef";
    private const string ClusterSecret = "chaos-cluster-secret-0123456789abcdef";

    private readonly Dictionary<string, Member> _members = [];
    private readonly string _logs;

    private ChaosChain(ChaosOptions options, IReadOnlyList<string> keys)
    {
        _logs = Path.Combine(options.RunDirectory, "logs");
        Directory.CreateDirectory(_logs);
        var port = options.BasePort;
        RedisPort = port++;
        MockPort = port++;
        AuthQuotaPort = port++;
        var cores = new[] { (Http: port++, H2c: port++), (Http: port++, H2c: port++) };
        var edges = new[] { (Http: port++, Management: port++), (Http: port++, Management: port++) };
        EdgeAddresses = [.. edges.Select(e => new Uri($"http://127.0.0.1:{e.Http}"))];

        Add("redis", "redis-server", ["--port", RedisPort.ToString(Inv), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--loglevel", "warning"], [], Health.RedisPing(RedisPort));
        Add("llm-mock", "dotnet", [Dll(options, "LlmMock")], new() { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{MockPort}" }, Health.Http(MockPort));
        Add("auth-quota", "dotnet", [Dll(options, "AuthQuota")], new()
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{AuthQuotaPort}",
            ["API_KEYS"] = string.Join(',', keys),
            ["REDIS_URL"] = $"127.0.0.1:{RedisPort}",
            ["ADMIN_TOKEN"] = AdminToken,
        }, Health.Http(AuthQuotaPort));
        for (var i = 0; i < cores.Length; i++)
        {
            Add($"core-{i}", "dotnet", [Dll(options, "CoreRelay")], new()
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{cores[i].Http}",
                ["LISTEN_H2C"] = $"127.0.0.1:{cores[i].H2c}",
                ["CORE_NODE_ID"] = $"core-{i}",
                ["LLM_SOURCE_HOST"] = $"127.0.0.1:{MockPort}",
                ["AUTH_QUOTA_URL"] = $"http://127.0.0.1:{AuthQuotaPort}",
                ["REDIS_URL"] = $"127.0.0.1:{RedisPort}",
                ["FORWARD_REQUEST_HEADERS"] = "accept-language,openai-beta,user-agent,x-request-id,x-mock-*",
                // The load generator shares these CPUs; shedding would count its own load against
                // the chain and refuse requests the faults did not cause.
                ["OVERLOAD_QUEUE_DELAY"] = "0",
            }, Health.Http(cores[i].Http));
        }

        for (var i = 0; i < edges.Length; i++)
        {
            Add($"edge-{i}", "dotnet", [Dll(options, "EdgeGateway")], new()
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{edges[i].Http}",
                ["CORE_NODE_HOST"] = string.Join(',', cores.Select(c => $"127.0.0.1:{c.H2c}")),
                ["CORE_TRANSPORT"] = "h2c",
                ["METRICS_PORT"] = $"127.0.0.1:{edges[i].Management}",
                ["DRAIN_TIMEOUT"] = "5s",
                ["Edge__CoreHealthInterval"] = "00:00:02",
                ["Edge__Limits__PerIpRequestsPerSecond"] = "1000000",
                ["Edge__Limits__PerIpConcurrentRequests"] = "1000000",
                ["OVERLOAD_QUEUE_DELAY"] = "0",
            }, Health.Http(edges[i].Management));
        }
    }

    public int RedisPort { get; }

    public int MockPort { get; }

    public int AuthQuotaPort { get; }

    public IReadOnlyList<Uri> EdgeAddresses { get; }

    public static async Task<ChaosChain> StartAsync(ChaosOptions options, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var chain = new ChaosChain(options, keys);
        try
        {
            foreach (var name in chain._members.Keys)
            {
                await chain.StartAsync(name, cancellationToken);
            }
        }
        catch
        {
            await chain.DisposeAsync();
            throw;
        }

        return chain;
    }

    /// <summary>Starts <paramref name="name"/> (again) and waits until it answers its health check.</summary>
    public async Task StartAsync(string name, CancellationToken cancellationToken)
    {
        var member = _members[name];
        if (member.Process is { HasExited: false })
        {
            return;
        }

        var log = new StreamWriter(Path.Combine(_logs, $"{name}.log"), append: true) { AutoFlush = true };
        var start = new ProcessStartInfo(member.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in member.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in member.Environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["AICDN_CLUSTER_SECRET"] = ClusterSecret;
        start.Environment["LOG_LEVEL"] = "warn";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start.");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        member.Process = process;
        member.Log?.Dispose();
        member.Log = log;

        var deadline = Stopwatch.StartNew();
        while (!await member.Healthy(cancellationToken))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"{name} did not become healthy (see {_logs}/{name}.log).");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    public void Kill(string name) => Signal(name, "KILL");

    public void Pause(string name) => Signal(name, "STOP");

    public void Resume(string name) => Signal(name, "CONT");

    public void Terminate(string name) => Signal(name, "TERM");

    /// <summary>Waits until a terminated process has exited.</summary>
    public async Task WaitForExitAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_members[name].Process is { } process)
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(timeout);
            await process.WaitForExitAsync(bounded.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members.Values.Reverse())
        {
            if (member.Process is { HasExited: false } process)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            member.Process?.Dispose();
            member.Log?.Dispose();
        }
    }

    /// <summary>Sends a signal with kill(1), as an operator or the kernel would.</summary>
    private void Signal(string name, string signal)
    {
        if (_members[name].Process is not { HasExited: false } process)
        {
            return;
        }

        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, process.Id.ToString(Inv)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("kill(1) did not start.");
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -s {signal} {name} failed ({kill.ExitCode}).");
        }
    }

    private void Add(string name, string fileName, string[] arguments, Dictionary<string, string> environment, Func<CancellationToken, Task<bool>> healthy) =>
        _members[name] = new Member(fileName, arguments, environment, healthy);

    private static string Dll(ChaosOptions options, string service)
    {
        var dll = options.LocateService?.Invoke(service) ?? Path.Combine(options.Bin, service, $"{service}.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"No build of {service} at {dll}.");
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    private static readonly IFormatProvider Inv = System.Globalization.CultureInfo.InvariantCulture;

    private sealed class Member(string fileName, string[] arguments, Dictionary<string, string> environment, Func<CancellationToken, Task<bool>> healthy)
    {
        public string FileName { get; } = fileName;

        public string[] Arguments { get; } = arguments;

        public Dictionary<string, string> Environment { get; } = environment;

        public Func<CancellationToken, Task<bool>> Healthy { get; } = healthy;

        public Process? Process { get; set; }

        public StreamWriter? Log { get; set; }
    }

    private static class Health
    {
        private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(2) };

        public static Func<CancellationToken, Task<bool>> Http(int port) => async cancellationToken =>
        {
            try
            {
                using var response = await s_http.GetAsync($"http://127.0.0.1:{port}/health", cancellationToken);
                return response.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        };

        public static Func<CancellationToken, Task<bool>> RedisPing(int port) => async cancellationToken =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, cancellationToken);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
                var buffer = new byte[16];
                var read = await stream.ReadAsync(buffer, cancellationToken);
                return System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                return false;
            }
        };
    }
}
