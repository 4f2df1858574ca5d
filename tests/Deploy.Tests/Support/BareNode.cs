using System.Diagnostics;
using System.Text;

namespace AiCdn.Deploy.Tests.Support;

/// <summary>One node deployed by <c>scripts/deploy.sh --prefix ... --no-systemd</c>, running in the foreground.</summary>
public sealed class BareNode(string name, string root) : IAsyncDisposable
{
    /// <summary>How long deploy.sh and manage.sh wait for a service's /health: generous, CI runs other suites beside this one.</summary>
    private const string StartTimeoutSeconds = "180";

    private readonly StringBuilder _output = new();
    private Process? _process;

    public string Name { get; } = name;

    public string Prefix { get; } = Path.Combine(root, name, "opt");

    public string ConfigDirectory { get; } = Path.Combine(root, name, "etc");

    public string EnvFile => Path.Combine(ConfigDirectory, ".env");

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public async Task StartAsync(string release, string nodeType, params string[] options)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        start.Environment["AICDN_START_TIMEOUT"] = StartTimeoutSeconds;
        foreach (var argument in new[] { "scripts/deploy.sh", "--node-type", nodeType, "--config-dir", ConfigDirectory, "--prefix", Prefix, "--release", release, "--no-systemd" }.Concat(options))
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await Wait.UntilAsync(
            () => Output.Contains("node ready", StringComparison.Ordinal) || _process.HasExited,
            TimeSpan.FromMinutes(8),
            $"deploy.sh ({Name}) to report the node ready.\n{Output}");
        if (_process.HasExited)
        {
            Assert.Fail($"deploy.sh ({Name}) exited with {_process.ExitCode}:\n{Output}\n{Logs()}");
        }
    }

    /// <summary>The pid deploy.sh's supervisor recorded for a service.</summary>
    public int? ServicePid(string service)
    {
        var file = Path.Combine(Prefix, "run", service + ".pid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), out var pid) ? pid : null;
    }

    public Task<ProcessResult> ManageAsync(params string[] arguments) =>
        Processes.RunAsync(
            "bash",
            ["scripts/manage.sh", "--prefix", Prefix, .. arguments],
            TimeSpan.FromMinutes(8),
            environment: new Dictionary<string, string?> { ["AICDN_START_TIMEOUT"] = StartTimeoutSeconds });

    public string Logs()
    {
        var logs = Path.Combine(Prefix, "logs");
        if (!Directory.Exists(logs))
        {
            return "";
        }

        return string.Join("\n", Directory.GetFiles(logs).Select(file =>
        {
            var text = File.ReadAllText(file);
            return $"--- {Path.GetFileName(file)} ---\n{(text.Length > 6000 ? text[^6000..] : text)}";
        }));
    }

    /// <summary>Stops the node as an operator would (SIGTERM to deploy.sh, which drains and stops its services), then makes sure by pid.</summary>
    public async ValueTask DisposeAsync()
    {
        var services = Directory.Exists(Path.Combine(Prefix, "run"))
            ? Directory.GetFiles(Path.Combine(Prefix, "run"), "*.pid").Select(f => int.TryParse(File.ReadAllText(f).Trim(), out var pid) ? pid : 0).Where(p => p > 0).ToList()
            : [];
        if (_process is { HasExited: false })
        {
            await Processes.RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10));
            using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        foreach (var pid in services)
        {
            // Only a process still running from this install: a pid may have been reused since.
            var commandLine = Path.Combine("/proc", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "cmdline");
            try
            {
                if (File.ReadAllText(commandLine).Contains(Prefix, StringComparison.Ordinal))
                {
                    using var leftover = Process.GetProcessById(pid);
                    leftover.Kill();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // Gone already, as it should be.
            }
        }

        _process?.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
