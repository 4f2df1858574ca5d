using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace AiCdn.Observability.Tests.Support;

/// <summary>
/// A real Prometheus (Debian package prometheus, which .ci/run installs) on a free loopback port,
/// scraping the given targets every second with the AiCdn alert rules loaded. Disposing it kills
/// the process (by its own PID) and removes its data directory.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly StringBuilder _output;
    private readonly HttpClient _client;

    private PrometheusServer(Process process, DirectoryInfo directory, StringBuilder output, Uri address)
    {
        _process = process;
        _directory = directory;
        _output = output;
        _client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, Uri> jobs, string rulesFile)
    {
        var directory = Directory.CreateTempSubdirectory("aicdn-prometheus-");
        var config = new StringBuilder($"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - '{rulesFile}'
            scrape_configs:

            """);
        foreach (var (job, address) in jobs)
        {
            config.Append($"""
                  - job_name: {job}
                    static_configs:
                      - targets: ['{address.Authority}']

                """);
        }

        var configFile = Path.Combine(directory.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(configFile, config.ToString());

        var port = FreePort.Next();
        var start = new ProcessStartInfo(File.Exists("/usr/bin/prometheus") ? "/usr/bin/prometheus" : "prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            $"--config.file={configFile}",
            $"--storage.tsdb.path={Path.Combine(directory.FullName, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new PrometheusServer(process, directory, output, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            await Wait.UntilAsync(async () => (await server._client.GetAsync(new Uri("/-/ready", UriKind.Relative))).IsSuccessStatusCode,
                TimeSpan.FromSeconds(30), "Prometheus ready on its port");
        }
        catch (TimeoutException e)
        {
            var log = server.Log;
            await server.DisposeAsync();
            throw new TimeoutException($"{e.Message}\nPrometheus said:\n{log}", e);
        }

        return server;
    }

    public string Log
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>An instant query's result vector: each series' labels and value.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string promQl)
    {
        using var json = await GetJsonAsync($"/api/v1/query?query={Uri.EscapeDataString(promQl)}");
        return json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(series => (
                (IReadOnlyDictionary<string, string>)series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                double.Parse(series.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
    }

    /// <summary>Each loaded rule's name, health (ok, err, unknown) and last evaluation error.</summary>
    public async Task<IReadOnlyList<(string Name, string Health, string? Error)>> RulesAsync()
    {
        using var json = await GetJsonAsync("/api/v1/rules");
        return json.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .Select(r => (
                r.GetProperty("name").GetString()!,
                r.GetProperty("health").GetString()!,
                r.TryGetProperty("lastError", out var error) ? error.GetString() : null))
            .ToList();
    }

    private async Task<JsonDocument> GetJsonAsync(string path)
    {
        var json = await _client.GetFromJsonAsync<JsonElement>(new Uri(path, UriKind.Relative));
        return JsonDocument.Parse(json.GetRawText());
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }

        _process.Dispose();
        _directory.Delete(recursive: true);
    }
}
