namespace AiCdn.Observability.Tests.Support;

/// <summary>promtool from the Debian <c>prometheus</c> package (.ci/run installs it).</summary>
internal static class Promtool
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(2);

    public static string Path { get; } = File.Exists("/usr/bin/promtool") ? "/usr/bin/promtool" : "promtool";

    public static Task<ProcessResult> RunAsync(string workingDirectory, params string[] arguments) =>
        Processes.RunAsync(Path, arguments, s_timeout, workingDirectory);
}
