namespace AiCdn.AppHost;

/// <summary>Which store auth-quota's shared limits live in for this run, and why.</summary>
public sealed record QuotaStore(IResourceBuilder<IResourceWithConnectionString>? Resource, string Description);
