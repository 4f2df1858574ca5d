using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using AiCdn.Common.Hosting;
using AiCdn.Common.Security;
using AiCdn.Forwarding;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace AiCdn.CoreRelay.Hosting;

/// <summary>
/// Adds the core's edge-facing listeners to whatever <c>ASPNETCORE_URLS</c> binds: an HTTP/2-only
/// cleartext listener (multiplexed edge link inside a trusted network) and a TLS listener that
/// can require edges to present a client certificate from a configured CA.
/// </summary>
public sealed class CoreListeners(IConfiguration configuration, IOptions<CoreRelayOptions> options) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions kestrel)
    {
        var settings = options.Value;
        HeaderEncoding.UseUtf8(kestrel);

        // An edge's HTTP/1.1 link is a connection per request, and each request opens one more
        // socket to its origin: connections past half the open-file limit would leave none for
        // the origins (or the runtime), and fail every request instead of the excess.
        if (OpenFileLimit.Read() is { } openFiles)
        {
            kestrel.Limits.MaxConcurrentConnections = OpenFileLimit.ConnectionBudget(openFiles, descriptorsPerConnection: 2);
            kestrel.Limits.MaxConcurrentUpgradedConnections = kestrel.Limits.MaxConcurrentConnections;
        }

        var hasH2c = ListenAddress.TryParse(settings.ListenH2c, out var h2c);
        var hasTls = ListenAddress.TryParse(settings.ListenTls, out var tls);
        if (!hasH2c && !hasTls)
        {
            return;
        }

        kestrel.ListenConfiguredUrls(configuration);
        if (hasH2c)
        {
            kestrel.Listen(h2c, listen => listen.Protocols = HttpProtocols.Http2);
        }

        if (hasTls)
        {
            var certificate = X509Certificate2.CreateFromPemFile(settings.Tls.CertificateFile!, settings.Tls.KeyFile);
            var clientCa = string.IsNullOrEmpty(settings.Tls.ClientCaFile) ? null : X509Certificate2.CreateFromPem(File.ReadAllText(settings.Tls.ClientCaFile));
            kestrel.Listen(tls, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = certificate;
                    https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                    if (clientCa is not null)
                    {
                        // Allow, then check: a connection without a certificate may still prove itself
                        // with the signature header; one with a certificate must chain to our CA.
                        https.ClientCertificateMode = Microsoft.AspNetCore.Server.Kestrel.Https.ClientCertificateMode.AllowCertificate;
                        https.ClientCertificateValidation = (certificate, _, _) => CustomRootTrust.IsTrustedClient(certificate, clientCa);
                    }
                });
            });
        }
    }
}
