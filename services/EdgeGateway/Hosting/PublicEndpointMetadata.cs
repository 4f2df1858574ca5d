namespace AiCdn.EdgeGateway.Hosting;

/// <summary>
/// Marks an endpoint the public listeners serve. Every other endpoint (health, metrics, whatever
/// ServiceDefaults maps) is management-only, so nothing new leaks to the internet by default.
/// </summary>
public sealed class PublicEndpointMetadata
{
    public static readonly PublicEndpointMetadata Instance = new();

    private PublicEndpointMetadata()
    {
    }
}
