namespace AiCdn.Observability.Tests.Support;

internal sealed record AlertRule(string Name, string Expression);
