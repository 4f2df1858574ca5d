namespace AiCdn.Deploy.Tests.Support;

/// <summary>An endpoint of a resource in the Aspire manifest; no target port means the .NET image's default.</summary>
public sealed record ManifestBinding(string Name, string Scheme, int? TargetPort);
