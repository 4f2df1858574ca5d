using System.Security.Cryptography.X509Certificates;

namespace AiCdn.Testing;

/// <summary>A certificate a <see cref="TestCertificates"/> CA signed (with its private key), and the PEM files it was written to.</summary>
public sealed record IssuedCertificate(X509Certificate2 Certificate, string CertificateFile, string KeyFile);
