using System.Text.Json;
using System.Text.RegularExpressions;

namespace AiCdn.Deploy.Tests.Support;

/// <summary>Renders a kustomization with the cluster tool operators use, <c>kubectl kustomize</c>.</summary>
public static partial class Kustomize
{
    private static readonly Lazy<string?> s_unavailable = new(FindProblem);

    /// <summary>
    /// Why the overlays cannot be rendered here, or null when they can: kubectl is missing, or its
    /// built-in kustomize predates components (v3.7; Debian 12's kubernetes-client 1.20 has v2.0.3).
    /// Tests that render overlays are skipped with this reason, never passed silently.
    /// </summary>
    public static string? UnavailableReason => s_unavailable.Value;

    public static async Task<List<KubeObject>> RenderAsync(string directory)
    {
        var result = await Processes.RunAsync("kubectl", ["kustomize", directory], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.Describe($"kubectl kustomize {directory}"));
        return KubeObject.ParseAll(result.StandardOutput);
    }

    public static IEnumerable<string> Overlays =>
        Directory.GetDirectories(Path.Combine(DeployPaths.K8s, "overlays")).Select(Path.GetFileName).Order()!;

    private static string? FindProblem()
    {
        ProcessResult result;
        try
        {
            result = Processes.RunAsync("kubectl", ["version", "--client", "-o", "json"], TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return "kubectl is not installed: the kustomize overlays cannot be rendered here (.ci/run installs it).";
        }

        if (result.ExitCode != 0)
        {
            return $"kubectl version failed ({result.ExitCode}): the kustomize overlays cannot be rendered here.";
        }

        string? version = null;
        try
        {
            using var json = JsonDocument.Parse(result.StandardOutput);
            version = json.RootElement.TryGetProperty("kustomizeVersion", out var kustomize) ? kustomize.GetString() : null;
        }
        catch (JsonException)
        {
        }

        var match = VersionPattern().Match(version ?? string.Empty);
        if (!match.Success)
        {
            return $"kubectl reports no kustomize version ('{version}'): the overlays, which use components, need kustomize 3.7 or later.";
        }

        var (major, minor) = (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        return major > 3 || (major == 3 && minor >= 7)
            ? null
            : $"kubectl's kustomize is {version}: the overlays use components, which need kustomize 3.7 or later (install kubectl 1.21+).";
    }

    [GeneratedRegex(@"v?(\d+)\.(\d+)")]
    private static partial Regex VersionPattern();
}

/// <summary>A fact that renders overlays: skipped, with the reason, where kustomize cannot render them.</summary>
public sealed class KustomizeFactAttribute : FactAttribute
{
    public KustomizeFactAttribute()
    {
        if (Kustomize.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that renders overlays: skipped, with the reason, where kustomize cannot render them.</summary>
public sealed class KustomizeTheoryAttribute : TheoryAttribute
{
    public KustomizeTheoryAttribute()
    {
        if (Kustomize.UnavailableReason is { } reason)
        {
            Skip = reason;
        }
    }
}
