using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using AiCdn.Common.Security;
using AiCdn.EdgeGateway.Draining;
using AiCdn.EdgeGateway.Telemetry;
using AiCdn.Forwarding.Connections;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// The edge → core connections: HTTP/2 multiplexed over several connections when the transport is
/// h2c or h2, pings on every connection, the edge's client certificate for the core's mutual TLS,
/// the cores' CA when one is configured, and the <see cref="CoreLinkHandler"/> around every request.
/// </summary>
public sealed class CoreHttpClientFactory(
    IOptions<EdgeOptions> options,
    EdgeMetrics metrics,
    DrainCoordinator drain,
    TimeProvider time,
    ClusterSignature signature,
    CoreNodeDirectory nodes,
    IServiceProvider services,
    ILogger<ForwarderHttpClientFactory> logger) : HopHttpClientFactory(logger)
{
    protected override HopConnectionSettings ConnectionSettings => new()
    {
        // A connection error, which CoreFailoverMiddleware may retry on another core (nothing was sent yet).
        TcpConnectTimeout = options.Value.CoreConnectTimeout,
        TcpKeepAlive = true,
        KeepAlivePingDelay = options.Value.CoreKeepAlivePingDelay,
        KeepAlivePingTimeout = options.Value.CoreKeepAlivePingTimeout,
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        // Lets connections follow DNS or discovery changes without cutting streams (a pooled
        // connection is retired only once its streams are done).
        PooledConnectionLifetime = TimeSpan.FromMinutes(15),
    };

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        var settings = options.Value;
        if (CoreTransports.Parse(settings.CoreTransport) != CoreTransport.H2)
        {
            return;
        }

        handler.SslOptions.EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
        if (!string.IsNullOrEmpty(settings.CoreClientCertificateFile))
        {
            handler.SslOptions.ClientCertificates = [LoadClientCertificate(settings.CoreClientCertificateFile, settings.CoreClientKeyFile!)];
        }

        if (!string.IsNullOrEmpty(settings.CoreCaFile))
        {
            var authority = X509Certificate2.CreateFromPem(File.ReadAllText(settings.CoreCaFile));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                CustomRootTrust.IsTrustedServer(certificate, errors, authority);
        }
    }

    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler) =>
        new CoreLinkHandler(handler, metrics, drain, time, signature, nodes, options,
            // Resolved when first needed: YARP's proxy state is built with this factory.
            new Lazy<Yarp.ReverseProxy.IProxyStateLookup>(services.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>),
            services.GetRequiredService<ILogger<CoreLinkHandler>>());

    private static X509Certificate2 LoadClientCertificate(string certificateFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);

        // SslStream needs the key in a persisted form on some platforms (Windows); a PKCS#12 round
        // trip gives it one everywhere.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
    }
}
