namespace AiCdn.Deploy.Tests;

/// <summary>Renders a kustomization with the cluster tool operators use, <c>kubectl kustomize</c>.</summary>
public static class Kustomize
{
    public static async Task<List<KubeObject>> RenderAsync(string directory)
    {
        var result = await Processes.RunAsync("kubectl", ["kustomize", directory], TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, result.Describe($"kubectl kustomize {directory}"));
        return KubeObject.ParseAll(result.StandardOutput);
    }

    public static IEnumerable<string> Overlays =>
        Directory.GetDirectories(Path.Combine(Repository.K8s, "overlays")).Select(Path.GetFileName).Order()!;
}
