using System.Globalization;
using System.Text.RegularExpressions;

namespace AiCdn.Deploy.Tests;

/// <summary>The bare-machine scripts pass shellcheck, and a dry run shows every step without doing any.</summary>
public sealed class ShellScriptTests
{
    public static TheoryData<string> Scripts() => new(
        Directory.GetFiles(DeployPaths.Scripts, "*.sh", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Repository.Root, path))
            .Order());

    [Fact]
    public void Scripts_AreTheOriginalsAndTheirHelpers()
    {
        Assert.Equal(
            ["scripts/deploy.sh", "scripts/lib/aicdn.sh", "scripts/manage.sh", "scripts/publish.sh"],
            Directory.GetFiles(DeployPaths.Scripts, "*.sh", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(Repository.Root, p)).Order());
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Shellcheck_Script_ReportsNothing(string script)
    {
        var result = await Processes.RunAsync("shellcheck", ["--external-sources", "--severity=style", script], TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, result.Describe($"shellcheck {script}"));
    }

    [Fact]
    public async Task DeploySh_DryRunWithSystemd_PrintsUnitsAndTuningAndChangesNothing()
    {
        var root = Directory.CreateTempSubdirectory("aicdn-dryrun-").FullName;
        try
        {
            var config = Path.Combine(root, "config");
            Directory.CreateDirectory(config);
            await File.WriteAllTextAsync(Path.Combine(config, ".env"), """
                NODE_TYPE=edge
                REGION=hk
                AICDN_CLUSTER_SECRET=0123456789abcdef0123456789abcdef
                CORE_NODE_HOST=10.0.0.2:8081
                MEMORY_MAX=6G
                DRAIN_TIMEOUT=45s
                """);
            var prefix = Path.Combine(root, "opt");
            var result = await Processes.RunAsync(
                "bash",
                ["scripts/deploy.sh", "--node-type", "edge", "--region", "hk", "--config-dir", config, "--prefix", prefix, "--release", Path.Combine(root, "no-release"), "--dry-run"],
                TimeSpan.FromMinutes(1));

            Assert.True(result.ExitCode == 0, result.Describe("deploy.sh --dry-run"));
            var output = result.StandardOutput;
            Assert.Contains("write /etc/systemd/system/aicdn-edge-gateway.service", output);
            Assert.Contains($"EnvironmentFile={config}/.env", output);
            Assert.Contains("LimitNOFILE=1048576", output);
            Assert.Contains("MemoryMax=6G", output);
            Assert.Contains("Restart=always", output);
            Assert.Contains("TimeoutStopSec=75", output);
            Assert.Contains("AmbientCapabilities=CAP_NET_BIND_SERVICE", output);
            Assert.Contains("net.core.somaxconn = 65535", output);
            Assert.Contains("net.ipv4.tcp_max_syn_backlog = 65535", output);
            Assert.Contains("net.ipv4.tcp_congestion_control = bbr", output);
            Assert.Contains("[dry-run] sysctl -q -p /etc/sysctl.d/90-aicdn.conf", output);
            Assert.Contains("[dry-run] systemctl restart aicdn-edge-gateway.service", output);
            Assert.False(Directory.Exists(prefix), "a dry run created the install folder");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("00:02:00", 150)]
    [InlineData("2.5m", 180)]
    [InlineData("90S", 120)]
    public async Task DeploySh_CoreNodeWithARealOrigin_WritesItsUnitsWithAStopTimeoutAboveTheDrain(string drain, int stopTimeout)
    {
        var root = Directory.CreateTempSubdirectory("aicdn-dryrun-core-").FullName;
        try
        {
            var config = Path.Combine(root, "config");
            Directory.CreateDirectory(config);
            await File.WriteAllTextAsync(Path.Combine(config, ".env"), $"""
                NODE_TYPE=core
                REGION=cn
                AICDN_CLUSTER_SECRET=0123456789abcdef0123456789abcdef
                LLM_SOURCE_HOST=10.1.0.5
                API_KEYS=sk-aicdn-0123456789abcdef0123456789abcdef
                ADMIN_TOKEN=0123456789abcdef0123456789abcdef
                DRAIN_TIMEOUT={drain}
                """);
            var result = await Processes.RunAsync(
                "bash",
                ["scripts/deploy.sh", "--node-type", "core", "--region", "cn", "--config-dir", config, "--prefix", Path.Combine(root, "opt"), "--release", Path.Combine(root, "no-release"), "--dry-run"],
                TimeSpan.FromMinutes(1));

            // Without --with-mock the core's unit waits for auth-quota only (this used to end the
            // script silently with an empty unit), and systemd waits longer than the edge drains.
            Assert.True(result.ExitCode == 0, result.Describe("deploy.sh --node-type core --dry-run"));
            var output = result.StandardOutput;
            Assert.Contains("write /etc/systemd/system/aicdn-core-relay.service", output);
            Assert.Matches(new Regex(@"After=network-online\.target aicdn-auth-quota\.service$", RegexOptions.Multiline), output);
            Assert.DoesNotContain("aicdn-llm-mock.service", output);
            Assert.Contains($"TimeoutStopSec={stopTimeout}", output);

            // Kernel tuning raises the descriptor limits, never lowers what the host has.
            var hostFileMax = long.Parse(File.ReadAllText("/proc/sys/fs/file-max").Trim(), CultureInfo.InvariantCulture);
            var written = Regex.Match(output, @"fs\.file-max = (\d+)");
            Assert.True(written.Success, "fs.file-max is tuned");
            Assert.True(long.Parse(written.Groups[1].Value, CultureInfo.InvariantCulture) >= Math.Max(hostFileMax, 2097152));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("--node-type")]
    [InlineData("--config-dir")]
    public async Task DeploySh_OptionWithoutItsValue_SaysSoAndStops(string option)
    {
        var result = await Processes.RunAsync("bash", ["scripts/deploy.sh", "--dry-run", option], TimeSpan.FromMinutes(1));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"{option} needs a value", result.StandardError);
    }

    [Fact]
    public async Task DeploySh_IncompleteConfig_ListsEveryProblemAndStops()
    {
        var root = Directory.CreateTempSubdirectory("aicdn-badconfig-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(root, ".env"), "AICDN_CLUSTER_SECRET=short\nCORE_LISTEN_HTTP=not-an-address\n");
            var result = await Processes.RunAsync(
                "bash",
                ["scripts/deploy.sh", "--node-type", "core", "--config-dir", root, "--prefix", Path.Combine(root, "opt"), "--no-systemd"],
                TimeSpan.FromMinutes(1));

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("AICDN_CLUSTER_SECRET must be set", result.StandardError);
            Assert.Contains("LLM_SOURCE_HOST must name the LLM origin", result.StandardError);
            Assert.Contains("core-relay: 'not-an-address' is not a listen address", result.StandardError);
            Assert.DoesNotContain("short", result.StandardError);
            Assert.False(Directory.Exists(Path.Combine(root, "opt")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
