using System.Diagnostics;

namespace AiCdn.AuthQuota.Benchmarks;

/// <summary>
/// auth-quota in a process of its own (this same program with <c>--serve</c>), so the load
/// generator's threads and garbage never delay the service's, as on a real deployment where the
/// core relay is another process. Stopped by its PID.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>CPU time the auth-quota process has used so far (user + system).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<ServerProcess> StartAsync(string? redis)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            // Run as `dotnet AuthQuota.Benchmarks.dll`; under `dotnet run` the process is the app host itself.
            start.ArgumentList.Add(typeof(ServerProcess).Assembly.Location);
        }

        start.ArgumentList.Add("--serve");
        start.ArgumentList.Add(redis ?? "memory");
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the auth-quota process");
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))
            ?? throw new InvalidOperationException("the auth-quota process exited before listening");
        return new ServerProcess(process, new Uri(line));
    }

    /// <summary>The <c>--serve</c> side: runs auth-quota, prints its address, stops when stdin closes.</summary>
    public static async Task ServeAsync(string redis)
    {
        await using var server = await AuthQuotaServer.StartAsync(redis == "memory" ? null : redis);
        Console.WriteLine(server.Address);
        await Console.In.ReadToEndAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
