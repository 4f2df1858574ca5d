namespace AiCdn.EdgeGateway;

/// <summary>Bound from <c>Edge</c>; the original's variables are aliases.</summary>
public sealed class EdgeOptions
{
    public const string SectionName = "Edge";

    /// <summary>
    /// Core relays, comma-separated URLs or <c>host:port</c> (<c>CORE_NODE_HOST</c>). Defaults to the
    /// service-discovery name of the core.
    /// </summary>
    public string CoreNodes { get; set; } = "http://core-relay";
}
