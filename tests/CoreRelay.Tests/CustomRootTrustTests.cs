using System.Net.Security;
using AiCdn.Common.Security;
using AiCdn.Testing;

namespace AiCdn.CoreRelay.Tests;

/// <summary>Peers' certificates are trusted when they chain to the configured CA, and for the right use.</summary>
public sealed class CustomRootTrustTests : IDisposable
{
    private readonly TestCertificates _ours = TestCertificates.Create();
    private readonly TestCertificates _theirs = TestCertificates.Create("Someone Else's CA");

    public void Dispose()
    {
        _ours.Dispose();
        _theirs.Dispose();
    }

    [Fact]
    public void IsTrustedClient_ClientCertificateFromTheCa_True() =>
        Assert.True(CustomRootTrust.IsTrustedClient(_ours.Client.Certificate, _ours.CertificateAuthority));

    [Fact]
    public void IsTrustedClient_ClientCertificateFromAnotherCa_False() =>
        Assert.False(CustomRootTrust.IsTrustedClient(_theirs.Client.Certificate, _ours.CertificateAuthority));

    [Fact]
    public void IsTrustedClient_ServerOnlyCertificateFromTheCa_False() =>
        Assert.False(CustomRootTrust.IsTrustedClient(_ours.Server.Certificate, _ours.CertificateAuthority));

    [Theory]
    [InlineData(SslPolicyErrors.None)]
    [InlineData(SslPolicyErrors.RemoteCertificateChainErrors)]
    public void IsTrustedServer_ServerCertificateFromTheCa_TrueWhateverTheSystemStoreSaid(SslPolicyErrors errors) =>
        Assert.True(CustomRootTrust.IsTrustedServer(_ours.Server.Certificate, errors, _ours.CertificateAuthority));

    [Fact]
    public void IsTrustedServer_ServerCertificateFromAnotherCa_False() =>
        Assert.False(CustomRootTrust.IsTrustedServer(_theirs.Server.Certificate, SslPolicyErrors.RemoteCertificateChainErrors, _ours.CertificateAuthority));

    [Theory]
    [InlineData(SslPolicyErrors.RemoteCertificateNameMismatch)]
    [InlineData(SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors)]
    public void IsTrustedServer_HostNameMismatch_False(SslPolicyErrors errors) =>
        Assert.False(CustomRootTrust.IsTrustedServer(_ours.Server.Certificate, errors, _ours.CertificateAuthority));

    [Fact]
    public void IsTrustedServer_NoCertificate_False() =>
        Assert.False(CustomRootTrust.IsTrustedServer(null, SslPolicyErrors.RemoteCertificateNotAvailable, _ours.CertificateAuthority));
}
