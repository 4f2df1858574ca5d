using System.Reflection;

namespace AiCdn.Deploy.Tests;

/// <summary>Paths the build recorded: the repository and the built AppHost (it moves with --artifacts-path).</summary>
public static class Repository
{
    public static string Root { get; } = Metadata("AiCdn.RepositoryRoot");

    public static string AppHostPath { get; } = Metadata("AiCdn.AppHostPath");

    public static string K8s => Path.Combine(Root, "deploy", "k8s");

    public static string Scripts => Path.Combine(Root, "scripts");

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"The test assembly has no '{key}' metadata (see Deploy.Tests.csproj).");
}
