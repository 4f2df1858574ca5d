namespace AiCdn.Common.Warmup;

/// <summary>One of the service's own listeners, as warm-up reaches it over loopback, and the HTTP version it speaks there.</summary>
public sealed record WarmupTarget(Uri BaseAddress, Version Version);
