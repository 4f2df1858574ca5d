namespace AiCdn.AuthQuota.Keys.File;

/// <summary>One key of the keys file: the plain key (<c>key</c>) or, better, only its SHA-256 (<c>sha256</c>).</summary>
public sealed class KeysFileKey
{
    public string? Key { get; set; }

    public string? Sha256 { get; set; }

    public string? Tenant { get; set; }

    public string? Name { get; set; }

    public bool? Enabled { get; set; }

    public string? ExpiresAt { get; set; }

    public List<string>? Models { get; set; }

    public Dictionary<string, string?>? Limits { get; set; }
}
