using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AiCdn.Common.Security;

/// <summary>
/// Checks a peer's certificate against the one CA a hop was configured with, and nothing else: the
/// system's roots are not consulted, so a certificate from any public CA is refused. Revocation is
/// not checked: certificates from a private CA usually name no CRL or OCSP responder, and checking
/// would then refuse them all.
/// </summary>
public static class CustomRootTrust
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>A client's certificate (an edge's, on a core): it must chain to <paramref name="root"/> and allow client authentication.</summary>
    public static bool IsTrustedClient(X509Certificate2 certificate, X509Certificate2 root) =>
        ChainsTo(certificate, root, ClientAuthentication);

    /// <summary>A server's certificate (a core's, at an edge), for a <see cref="RemoteCertificateValidationCallback"/>.</summary>
    public static bool IsTrustedServer(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2 root)
    {
        // The host name must still match; only the trust anchor is ours instead of the system's.
        if (certificate is not X509Certificate2 server || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        return ChainsTo(server, root, requiredUsage: null);
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 root, string? requiredUsage)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (requiredUsage is not null)
        {
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid(requiredUsage));
        }

        return chain.Build(certificate);
    }
}
