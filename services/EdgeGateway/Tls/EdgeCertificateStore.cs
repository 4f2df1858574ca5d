using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace AiCdn.EdgeGateway.Tls;

/// <summary>
/// The TLS listener's certificate, read from <c>TLS_CERT_FILE</c> / <c>TLS_KEY_FILE</c> and reloaded
/// when they change: Kestrel asks <see cref="Current"/> at each handshake, so new connections get
/// the new certificate and open ones keep theirs. Changes are noticed by a file-system watcher and,
/// as a fallback, a periodic comparison on the injected clock. A half-written or broken pair is
/// refused and the previous certificate stays. Without files, a self-signed certificate is made.
/// </summary>
public sealed partial class EdgeCertificateStore : IDisposable
{
    private readonly EdgeTlsOptions _options;
    private readonly ILogger<EdgeCertificateStore> _logger;
    private readonly Lock _gate = new();
    private readonly FileSystemWatcher? _watcher;
    private readonly ITimer? _timer;
    private X509Certificate2? _current;
    private X509Certificate2? _previous;
    private (DateTime, long, DateTime, long) _loadedStamp;

    public EdgeCertificateStore(IOptions<EdgeOptions> options, TimeProvider time, ILogger<EdgeCertificateStore> logger)
    {
        _options = options.Value.Tls;
        _logger = logger;
        var enabled = !string.IsNullOrWhiteSpace(options.Value.ListenTls);
        if (!enabled)
        {
            return;
        }

        if (string.IsNullOrEmpty(_options.CertificateFile))
        {
            _current = SelfSignedCertificate.Create(time);
            LogSelfSigned(logger, _current.Thumbprint);
            return;
        }

        if (!TryLoad(out var certificate, out var stamp, out var error))
        {
            throw new InvalidOperationException($"The TLS certificate could not be loaded from '{_options.CertificateFile}' and '{_options.KeyFile}': {error}");
        }

        _current = certificate;
        _loadedStamp = stamp;
        LogLoaded(logger, certificate!.Subject, certificate.Thumbprint, certificate.NotAfter);

        var directory = Path.GetDirectoryName(Path.GetFullPath(_options.CertificateFile))!;
        _watcher = new FileSystemWatcher(directory) { IncludeSubdirectories = false, NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime };
        _watcher.Changed += (_, _) => ReloadIfChanged();
        _watcher.Created += (_, _) => ReloadIfChanged();
        _watcher.Renamed += (_, _) => ReloadIfChanged();
        _watcher.EnableRaisingEvents = true;
        _timer = time.CreateTimer(static state => ((EdgeCertificateStore)state!).ReloadIfChanged(), this, _options.ReloadCheckInterval, _options.ReloadCheckInterval);
    }

    /// <summary>Raised after a new certificate has been taken into use.</summary>
    public event Action<X509Certificate2>? Reloaded;

    public X509Certificate2 Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("No TLS listener is configured (LISTEN_QUIC).");

    /// <summary>Compares the files with what was loaded and takes a changed, valid pair into use.</summary>
    public void ReloadIfChanged()
    {
        lock (_gate)
        {
            if (_current is null || string.IsNullOrEmpty(_options.CertificateFile) || Stamp() == _loadedStamp)
            {
                return;
            }

            if (!TryLoad(out var certificate, out var stamp, out var error))
            {
                // Often a writer that has replaced one file and not yet the other: the next change retries.
                LogReloadFailed(_logger, error);
                return;
            }

            if (certificate!.Thumbprint == _current.Thumbprint)
            {
                _loadedStamp = stamp;
                certificate.Dispose();
                return;
            }

            // Handshakes in progress may still hold the previous certificate: it is released one
            // reload later, not at once.
            _previous?.Dispose();
            _previous = _current;
            Volatile.Write(ref _current, certificate);
            _loadedStamp = stamp;
            LogLoaded(_logger, certificate.Subject, certificate.Thumbprint, certificate.NotAfter);
        }

        Reloaded?.Invoke(_current);
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _timer?.Dispose();
        _current?.Dispose();
        _previous?.Dispose();
    }

    private bool TryLoad(out X509Certificate2? certificate, out (DateTime, long, DateTime, long) stamp, out string? error)
    {
        certificate = null;
        error = null;
        stamp = Stamp();
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(_options.CertificateFile!, _options.KeyFile);
            if (!pem.HasPrivateKey)
            {
                error = "the key does not match the certificate.";
                return false;
            }

            // A PKCS#12 round trip gives the key the persisted form SslStream needs on every OS.
            certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
            return true;
        }
        catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or ArgumentException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return false;
        }
    }

    private (DateTime, long, DateTime, long) Stamp()
    {
        var certificate = new FileInfo(_options.CertificateFile!);
        var key = new FileInfo(_options.KeyFile!);
        return (certificate.Exists ? certificate.LastWriteTimeUtc : default, certificate.Exists ? certificate.Length : -1,
            key.Exists ? key.LastWriteTimeUtc : default, key.Exists ? key.Length : -1);
    }

    [LoggerMessage(EventId = 30, EventName = "CertificateLoaded", Level = LogLevel.Information, Message = "TLS certificate in use: {Subject} ({Thumbprint}), valid until {NotAfter:u}.")]
    private static partial void LogLoaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 31, EventName = "CertificateReloadFailed", Level = LogLevel.Warning, Message = "The TLS certificate files changed but could not be loaded ({Error}); the previous certificate stays in use.")]
    private static partial void LogReloadFailed(ILogger logger, string? error);

    [LoggerMessage(EventId = 32, EventName = "SelfSignedCertificate", Level = LogLevel.Warning, Message = "No TLS_CERT_FILE: using a generated self-signed certificate for localhost ({Thumbprint}); clients must be told to trust it. Local runs only.")]
    private static partial void LogSelfSigned(ILogger logger, string thumbprint);
}
