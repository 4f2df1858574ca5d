namespace AiCdn.Deploy.Tests.Support;

/// <summary>A project or container resource of the published Aspire manifest.</summary>
public sealed record ManifestResource(
    string Name,
    string Type,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, ManifestBinding> Bindings)
{
    /// <summary>What a project's HTTP endpoint listens on in a container when the manifest names no port (ASPNETCORE_HTTP_PORTS of the .NET images).</summary>
    public const int DefaultContainerPort = 8080;

    public bool IsProject => Type == "project.v0";

    public int ContainerPort(ManifestBinding binding) => binding.TargetPort ?? DefaultContainerPort;
}
