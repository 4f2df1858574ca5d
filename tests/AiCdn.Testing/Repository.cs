using System.Reflection;

namespace AiCdn.Testing;

/// <summary>The source tree the tests read files from, wherever the build output went (artifacts paths move it).</summary>
public static class Repository
{
    public static string Root { get; } = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .SingleOrDefault(a => a.Key == "AiCdn.RepositoryRoot")?.Value
        ?? throw new InvalidOperationException("AiCdn.Testing has no 'AiCdn.RepositoryRoot' metadata (see AiCdn.Testing.csproj).");
}
