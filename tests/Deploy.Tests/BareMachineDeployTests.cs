using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AiCdn.Deploy.Tests;

/// <summary>scripts/deploy.sh puts a working edge and core into folders; manage.sh operates them.</summary>
[Collection(BareMachineCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BareMachineDeployTests(BareMachineFixture nodes)
{
    [Fact]
    public async Task DeploySh_EdgeAndCore_StreamACompletionThroughTheEdge()
    {
        var events = await StreamAsync(tokens: 12, tokenIntervalMs: 5);

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        var text = string.Concat(chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray())
            .Select(choice => choice.GetProperty("delta").TryGetProperty("content", out var content) ? content.GetString() : ""));
        Assert.False(string.IsNullOrWhiteSpace(text), "the stream carried no content");
        Assert.True(chunks.Count >= 12, $"expected a chunk per token (12), got {chunks.Count}");
    }

    [Fact]
    public async Task DeploySh_WrongKey_IsRefusedByTheCoreWithOpenAiError()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = ChatRequest(tokens: 3, tokenIntervalMs: 5);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-aicdn-not-a-key");
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_api_key", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public void DeploySh_NoSystemd_LeavesTheUnitsAndTuningItWouldInstall()
    {
        var unit = File.ReadAllText(Path.Combine(nodes.Core.Prefix, "systemd", "aicdn-core-relay.service"));
        Assert.Contains($"EnvironmentFile={nodes.Core.EnvFile}", unit);
        Assert.Contains($"EnvironmentFile={nodes.Core.Prefix}/env/core-relay.env", unit);
        Assert.Contains("LimitNOFILE=1048576", unit);
        Assert.Contains("MemoryMax=8G", unit);
        Assert.Contains("Restart=always", unit);
        Assert.Contains($"ExecStart=", unit);
        Assert.Contains($"{nodes.Core.Prefix}/current/core-relay/CoreRelay.dll", unit);
        Assert.True(File.Exists(Path.Combine(nodes.Core.Prefix, "systemd", "aicdn-auth-quota.service")));
        Assert.True(File.Exists(Path.Combine(nodes.Edge.Prefix, "systemd", "aicdn-edge-gateway.service")));

        var sysctl = File.ReadAllText(Path.Combine(nodes.Edge.Prefix, "sysctl", "90-aicdn.conf"));
        Assert.Contains("net.core.somaxconn = 65535", sysctl);
        Assert.Contains("net.ipv4.tcp_congestion_control = bbr", sysctl);
        Assert.True(File.Exists(Path.Combine(nodes.Edge.Prefix, "bin", "manage.sh")), "manage.sh travels with the install");
    }

    [Fact]
    public async Task DeploySh_Units_PassSystemdVerification()
    {
        // systemd's own parser: unknown keys, bad values and missing executables are reported.
        var units = Directory.GetFiles(Path.Combine(nodes.Core.Prefix, "systemd"), "*.service")
            .Concat(Directory.GetFiles(Path.Combine(nodes.Edge.Prefix, "systemd"), "*.service"))
            .ToList();
        Assert.Equal(4, units.Count);
        foreach (var unit in units)
        {
            var result = await Processes.RunAsync("systemd-analyze", ["verify", unit], TimeSpan.FromMinutes(1), workingDirectory: Path.GetDirectoryName(unit));
            Assert.True(result.ExitCode == 0 && result.StandardError.Trim().Length == 0, result.Describe($"systemd-analyze verify {Path.GetFileName(unit)}"));
        }
    }

    [Fact]
    public async Task ManageSh_Status_ReportsEveryServiceHealthy()
    {
        var core = await nodes.Core.ManageAsync("status");
        Assert.True(core.ExitCode == 0, core.Describe("manage.sh status (core)"));
        foreach (var service in new[] { "llm-mock", "auth-quota", "core-relay" })
        {
            Assert.Matches($@"(?m)^{service}\s+running\s+\d+\s+Healthy", core.StandardOutput);
        }

        var edge = await nodes.Edge.ManageAsync("status");
        Assert.True(edge.ExitCode == 0, edge.Describe("manage.sh status (edge)"));
        Assert.Matches(@"(?m)^edge-gateway\s+running\s+\d+\s+Healthy", edge.StandardOutput);
    }

    [Fact]
    public async Task ManageSh_Monitor_CountsTheEdgesRequests()
    {
        // The monitor scrapes, waits an interval, scrapes again: requests finished in between count.
        // Streams keep finishing for as long as the monitor runs, so some fall between its scrapes.
        var monitor = nodes.Edge.ManageAsync("monitor", "--once", "--interval", "3");
        var streams = 0;
        while (!monitor.IsCompleted)
        {
            await StreamAsync(tokens: 3, tokenIntervalMs: 1);
            streams++;
        }

        var result = await monitor;
        Assert.True(result.ExitCode == 0, result.Describe("manage.sh monitor --once"));
        var row = result.StandardOutput.Split('\n').SingleOrDefault(l => l.StartsWith("edge-gateway", StringComparison.Ordinal));
        Assert.True(row is not null, result.Describe("manage.sh monitor --once"));
        var columns = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(double.Parse(columns[2], CultureInfo.InvariantCulture) > 0, $"requests/s should count the {streams} streams made meanwhile: {row}");
        Assert.Matches(@"^(>?\d+(\.\d)?)$", columns[4]);
    }

    [Fact]
    public async Task ManageSh_Backup_ArchivesTheConfigDirectory()
    {
        var output = Directory.CreateTempSubdirectory("aicdn-backup-").FullName;
        try
        {
            var result = await nodes.Core.ManageAsync("backup", "--output", output);
            Assert.True(result.ExitCode == 0, result.Describe("manage.sh backup"));
            var archive = Assert.Single(Directory.GetFiles(output, "aicdn-config-core-cn-*.tar.gz"));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(archive));
            var listing = await Processes.RunAsync("tar", ["-tzf", archive], TimeSpan.FromMinutes(1));
            Assert.Contains($"{Path.GetFileName(nodes.Core.ConfigDirectory)}/.env", listing.StandardOutput);
            Assert.Contains("install.env", listing.StandardOutput);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task ManageSh_Reload_RestartsOnlyChangedServicesWithoutDroppingAStream()
    {
        var corePids = new[] { "llm-mock", "auth-quota", "core-relay" }.ToDictionary(s => s, nodes.Core.ServicePid);
        var unchanged = await nodes.Core.ManageAsync("reload");
        Assert.True(unchanged.ExitCode == 0, unchanged.Describe("manage.sh reload (core, nothing changed)"));
        Assert.All(corePids, p => Assert.Equal(p.Value, nodes.Core.ServicePid(p.Key)));

        // A stream that outlasts the edge's restart: it must end normally, drained, not cut.
        var edgePid = nodes.Edge.ServicePid("edge-gateway");
        var stream = StreamAsync(tokens: 40, tokenIntervalMs: 100);
        await Task.Delay(TimeSpan.FromMilliseconds(800));
        await File.AppendAllTextAsync(nodes.Edge.EnvFile, "\nRATE_LIMIT_GLOBAL=40000\n");
        var reload = await nodes.Edge.ManageAsync("reload");
        Assert.True(reload.ExitCode == 0, reload.Describe("manage.sh reload (edge)") + nodes.Edge.Logs());

        Assert.NotEqual(edgePid, nodes.Edge.ServicePid("edge-gateway"));
        var events = await stream;
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal("[DONE]", (await StreamAsync(tokens: 3, tokenIntervalMs: 1))[^1]);
    }

    private HttpRequestMessage ChatRequest(int tokens, int tokenIntervalMs)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{nodes.EdgePort}/v1/chat/completions")
        {
            Content = new StringContent(
                $$"""{"model":"mock-gpt","stream":true,"max_tokens":{{tokens}},"messages":[{"role":"user","content":"deploy test"}]}""",
                Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", BareMachineFixture.ApiKey);
        request.Headers.Add("x-mock-token-interval-ms", tokenIntervalMs.ToString(CultureInfo.InvariantCulture));
        return request;
    }

    private async Task<List<string>> StreamAsync(int tokens, int tokenIntervalMs)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        using var request = ChatRequest(tokens, tokenIntervalMs);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Assert.Fail($"the edge answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{nodes.Edge.Logs()}\n{nodes.Core.Logs()}");
        }

        return (await SseClient.ReadAllAsync(response)).Select(e => e.Data).ToList();
    }
}
