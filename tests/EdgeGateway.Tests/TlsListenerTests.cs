using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using AiCdn.EdgeGateway.Hosting;
using AiCdn.EdgeGateway.Tests.Support;
using AiCdn.Testing;

namespace AiCdn.EdgeGateway.Tests;

/// <summary>The TLS listener (LISTEN_QUIC): HTTP/2 over TLS 1.2+, HTTP/3 only where QUIC exists, certificates reloaded live.</summary>
public sealed class TlsListenerTests
{
    [Fact]
    public async Task Http2OverTls_SelfSignedForLocalRuns_StreamsUnbuffered()
    {
        var port = FreePort.Next();
        await using var chain = await EdgeChains.StartAsync(new() { ["Edge:ListenTls"] = $"127.0.0.1:{port}" });
        X509Certificate2? presented = null;
        using var client = TlsClient(port, certificate => presented = certificate);

        using var response = await client.SendAsync(Http2(ChatRequests.Streamed(tokens: 6, intervalMs: 150)), HttpCompletionOption.ResponseHeadersRead, Timeouts.Token());
        var events = await SseClient.ReadAllAsync(response, Timeouts.Token());

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.Contains("CN=localhost", presented!.Subject);
        var content = events.WithContent();
        Assert.True(content[^1].ArrivedAfter - content[0].ArrivedAfter > TimeSpan.FromMilliseconds(450), "events arrived spread out, not buffered");

        // HTTP/3 is offered (Alt-Svc) exactly when the OS has QUIC; this machine has no libmsquic.
        Assert.Equal(EdgeProtocols.QuicSupported, response.Headers.Contains("Alt-Svc"));
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Handshake_Tls12OrLater_Accepted(SslProtocols protocol)
    {
        var port = FreePort.Next();
        await using var chain = await EdgeChains.StartAsync(new() { ["Edge:ListenTls"] = $"127.0.0.1:{port}" });
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);

        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = protocol }, Timeouts.Token());

        Assert.Equal(protocol, tls.SslProtocol);
    }

    [Fact]
    public async Task CertificateFilesReplaced_NewConnectionsGetNewCertificate_OpenStreamUnaffected()
    {
        using var certificates = TestCertificates.Create();
        var (oldCertificate, certificateFile, keyFile) = certificates.Server;
        var port = FreePort.Next();
        await using var chain = await EdgeChains.StartAsync(new()
        {
            ["Edge:ListenTls"] = $"127.0.0.1:{port}",
            ["Edge:Tls:CertificateFile"] = certificateFile,
            ["Edge:Tls:KeyFile"] = keyFile,
        });

        X509Certificate2? first = null;
        using var streaming = TlsClient(port, certificate => first ??= certificate);
        using var response = await streaming.SendAsync(Http2(ChatRequests.Streamed(tokens: 30, intervalMs: 100)), HttpCompletionOption.ResponseHeadersRead, Timeouts.Token());
        var reading = SseClient.ReadAllAsync(response, Timeouts.Token());

        // Replace both files as a secret rotation does: written aside, then renamed over.
        var (newCertificate, newCertificateFile, newKeyFile) = certificates.IssueServer("localhost-renewed");
        File.Move(newKeyFile, keyFile, overwrite: true);
        File.Move(newCertificateFile, certificateFile, overwrite: true);

        await Wait.UntilAsync(async () =>
        {
            X509Certificate2? seen = null;
            using var probe = TlsClient(port, certificate => seen = certificate);
            using var models = await probe.SendAsync(Http2(ChatRequests.Models()), Timeouts.Token());
            return seen?.Thumbprint == newCertificate.Thumbprint;
        }, Timeouts.Long, "a new connection is served with the new certificate");

        var events = await reading;
        Assert.Equal(oldCertificate.Thumbprint, first!.Thumbprint);
        Assert.Equal("[DONE]", events[^1].Data);
        Assert.Equal(30, events.WithContent().Count);
    }

    private static HttpRequestMessage Http2(HttpRequestMessage request)
    {
        request.Version = HttpVersion.Version20;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        return request;
    }

    private static HttpClient TlsClient(int port, Action<X509Certificate2> presented)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    presented(new X509Certificate2(certificate!));
                    return true;
                },
            },
        };
        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"https://localhost:{port}"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromMinutes(1),
        };
    }
}
