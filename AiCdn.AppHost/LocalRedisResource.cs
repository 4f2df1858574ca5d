namespace AiCdn.AppHost;

/// <summary>
/// A <c>redis-server</c> process started by the AppHost where no container runtime is available.
/// It exposes the same connection string shape as Aspire's Redis container (<c>host:port</c>).
/// </summary>
public sealed class LocalRedisResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}
