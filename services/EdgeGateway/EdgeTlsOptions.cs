namespace AiCdn.EdgeGateway;

/// <summary>The public TLS listener's certificate (<c>Edge:Tls</c>).</summary>
public sealed class EdgeTlsOptions
{
    /// <summary>PEM certificate (chain) file (<c>TLS_CERT_FILE</c>). Without one, a self-signed certificate is generated for local runs.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>PEM private key file (<c>TLS_KEY_FILE</c>).</summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// How often the files are compared with what was loaded, besides the file-system watcher
    /// (which misses some changes, e.g. Kubernetes' symlink swaps on some file systems).
    /// </summary>
    public TimeSpan ReloadCheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}
