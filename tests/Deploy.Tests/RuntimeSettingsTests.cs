namespace AiCdn.Deploy.Tests;

/// <summary>
/// Runtime settings every service ships with (services/Directory.Build.props): measured in
/// BENCHMARKS.md, so a project that drops them is caught here, not in the next benchmark.
/// </summary>
public sealed class RuntimeSettingsTests
{
    public static TheoryData<string> Projects() => ["EdgeGateway", "CoreRelay", "AuthQuota", "LlmMock"];

    [Theory]
    [MemberData(nameof(Projects))]
    public async Task Service_DoesNotSpinForWork_AndIsPrecompiledForANamedRuntime(string project)
    {
        var named = await Processes.RunAsync(
            "dotnet",
            ["msbuild", $"services/{project}/{project}.csproj", "-nologo", "-p:RuntimeIdentifier=linux-x64",
             "-getProperty:PublishReadyToRun", "-getItem:RuntimeHostConfigurationOption"],
            TimeSpan.FromMinutes(3));
        Assert.True(named.ExitCode == 0, named.Describe("dotnet msbuild"));
        Assert.Contains("\"PublishReadyToRun\": \"true\"", named.StandardOutput);
        Assert.Matches("\"Identity\": \"System.Threading.ThreadPool.UnfairSemaphoreSpinLimit\",\\s*\"Value\": \"0\"", named.StandardOutput);

        var portable = await Processes.RunAsync(
            "dotnet",
            ["msbuild", $"services/{project}/{project}.csproj", "-nologo", "-getProperty:PublishReadyToRun"],
            TimeSpan.FromMinutes(3));
        Assert.True(portable.ExitCode == 0, portable.Describe("dotnet msbuild"));
        Assert.DoesNotContain("true", portable.StandardOutput);
    }
}
