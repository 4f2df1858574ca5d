namespace AiCdn.Deploy.Tests.Support;

/// <summary>The published Aspire manifest and the rendered dev overlay, made once for the consistency tests.</summary>
public sealed class AspireModelFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("aicdn-manifest-").FullName;

    public IReadOnlyList<ManifestResource> Resources { get; private set; } = [];

    /// <summary>The rendered dev overlay; empty where kustomize cannot render it (the tests that need it are skipped then).</summary>
    public IReadOnlyList<KubeObject> Dev { get; private set; } = [];

    public string ManifestPath { get; private set; } = "";

    public async Task InitializeAsync()
    {
        ManifestPath = await AspireManifest.PublishAsync(_directory);
        Resources = AspireManifest.Read(ManifestPath);
        if (Kustomize.UnavailableReason is null)
        {
            Dev = await Kustomize.RenderAsync(Path.Combine(DeployPaths.K8s, "overlays", "dev"));
        }
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}
