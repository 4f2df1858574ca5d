namespace AiCdn.Forwarding.Configuration;

/// <summary>How one setting's list of next-hop addresses is read by <see cref="UpstreamAddressList"/>.</summary>
public sealed class UpstreamAddressRules
{
    /// <summary>The setting as an operator knows it, e.g. <c>Edge:CoreNodes (CORE_NODE_HOST)</c>; every error starts with it.</summary>
    public required string Setting { get; init; }

    /// <summary>What one address names (<c>core</c>, <c>origin</c>), for the error messages.</summary>
    public required string Noun { get; init; }

    /// <summary>Scheme of an address given as a host without one.</summary>
    public string DefaultScheme { get; init; } = "http";

    /// <summary>Port added to a host given without one; null leaves the scheme's own.</summary>
    public int? DefaultPort { get; init; }

    /// <summary>A host given with this port is reached over https, as a browser would; null: never.</summary>
    public int? HttpsPort { get; init; }

    /// <summary>Whether a URL may carry a base path that requests are forwarded under.</summary>
    public bool AllowPath { get; init; }
}
