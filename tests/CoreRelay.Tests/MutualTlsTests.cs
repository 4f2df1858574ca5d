using System.Net;
using System.Security.Cryptography.X509Certificates;
using AiCdn.Testing;

namespace AiCdn.CoreRelay.Tests;

/// <summary>On the core's TLS listener an edge may prove itself with a client certificate from the configured CA.</summary>
public sealed class MutualTlsTests : IAsyncLifetime
{
    private readonly TestCertificates _certificates = TestCertificates.Create();
    private readonly int _tlsPort = FreePort.Next();
    private Chain _chain = null!;

    public async Task InitializeAsync() => _chain = await Chain.StartAsync(new ChainSettings
    {
        Core =
        {
            ["CoreRelay:ListenTls"] = $"127.0.0.1:{_tlsPort}",
            ["CoreRelay:Tls:CertificateFile"] = _certificates.Server.CertificateFile,
            ["CoreRelay:Tls:KeyFile"] = _certificates.Server.KeyFile,
            ["CoreRelay:Tls:ClientCaFile"] = _certificates.CaFile,
        },
    });

    public async Task DisposeAsync()
    {
        await _chain.DisposeAsync();
        _certificates.Dispose();
    }

    [Fact]
    public async Task ClientCertificateFromConfiguredCa_IsTrustedWithoutSignature()
    {
        using var client = Client(_certificates.Client.Certificate);
        using var request = Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 2);
        request.Version = HttpVersion.Version20;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Version(2, 0), response.Version);
    }

    [Fact]
    public async Task NoClientCertificateAndNoSignature_Is403()
    {
        using var client = Client(clientCertificate: null);

        using var response = await client.SendAsync(Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 2));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task ClientCertificateFromAnotherCa_IsRefusedAtTheHandshake()
    {
        using var stranger = TestCertificates.Create("Someone Else's CA");
        using var client = Client(stranger.Client.Certificate);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Requests.Chat(Chain.ApiKey, stream: false, maxTokens: 2)));
    }

    private HttpClient Client(X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && _certificates.Trusts(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"https://127.0.0.1:{_tlsPort}"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
    }
}
