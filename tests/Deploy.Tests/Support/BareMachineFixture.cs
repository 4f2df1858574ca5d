namespace AiCdn.Deploy.Tests.Support;

/// <summary>
/// Builds one framework-dependent release with scripts/publish.sh, then deploys a core node (with
/// llm-mock as its origin) and an edge node pointing at it, each into its own folder on free
/// loopback ports, as two machines would be.
/// </summary>
public sealed class BareMachineFixture : IAsyncLifetime
{
    public const string ApiKey = "sk-aicdn-deploy-test-3b7f0c2a9e";

    private readonly string _root = Directory.CreateTempSubdirectory("aicdn-bare-").FullName;

    public BareNode Core { get; private set; } = null!;

    public BareNode Edge { get; private set; } = null!;

    public string Release { get; private set; }

    public BareMachineFixture() => Release = Path.Combine(_root, "release");

    public int EdgePort { get; } = FreePort.Next();

    public int EdgeManagementPort { get; } = FreePort.Next();

    public int CorePort { get; } = FreePort.Next();

    public async Task InitializeAsync()
    {
        try
        {
            await DeployAsync();
        }
        catch
        {
            // xunit does not dispose a fixture whose start failed: stop what did start.
            await DisposeAsync();
            throw;
        }
    }

    private async Task DeployAsync()
    {
        // AICDN_TEST_RELEASE names a release scripts/publish.sh made earlier, to iterate on the
        // scripts without rebuilding; CI always builds one.
        if (Environment.GetEnvironmentVariable("AICDN_TEST_RELEASE") is { Length: > 0 } prebuilt)
        {
            Release = prebuilt;
        }
        else
        {
            var publish = await Processes.RunAsync(
                "bash",
                ["scripts/publish.sh", "--output", Release, "--artifacts-path", Path.Combine(_root, "artifacts")],
                TimeSpan.FromMinutes(15));
            Assert.True(publish.ExitCode == 0, publish.Describe("scripts/publish.sh"));
        }

        const string secret = "deploy-test-cluster-secret-0f3a9c2b7d";
        Core = new BareNode("core", _root);
        Directory.CreateDirectory(Core.ConfigDirectory);
        // Each node's .env is config/env.example with the test's settings after it (the last
        // assignment wins, for systemd as for deploy.sh), so every default there is exercised too.
        var example = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "config", "env.example"));
        await File.WriteAllTextAsync(Core.EnvFile, example + $"""

            # A core node for the test: core-relay, auth-quota, and llm-mock as the origin.
            NODE_TYPE=core
            REGION=cn
            AICDN_CLUSTER_SECRET={secret}
            API_KEYS={ApiKey}
            CORE_LISTEN_HTTP=127.0.0.1:{CorePort}
            AUTH_QUOTA_LISTEN=127.0.0.1:{FreePort.Next()}
            MOCK_LISTEN=127.0.0.1:{FreePort.Next()}
            MOCK_TTFT_MS=20
            MOCK_TOKEN_INTERVAL_MS=5
            LOG_LEVEL=warn
            """);
        await Core.StartAsync(Release, "core", "--with-mock");

        Edge = new BareNode("edge", _root);
        Directory.CreateDirectory(Edge.ConfigDirectory);
        await File.WriteAllTextAsync(Edge.EnvFile, example + $"""

            # An edge node for the test, relaying to the core above; only the one public listener.
            NODE_TYPE=edge
            REGION=hk
            AICDN_CLUSTER_SECRET={secret}
            CORE_NODE_HOST=127.0.0.1:{CorePort}
            LISTEN_HTTP=127.0.0.1:{EdgePort}
            LISTEN_WS=
            LISTEN_QUIC=
            METRICS_PORT=127.0.0.1:{EdgeManagementPort}
            DRAIN_TIMEOUT=30s
            LOG_LEVEL=warn
            """);
        await Edge.StartAsync(Release, "edge");
    }

    public async Task DisposeAsync()
    {
        if (Edge is not null)
        {
            await Edge.DisposeAsync();
        }

        if (Core is not null)
        {
            await Core.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }
}
