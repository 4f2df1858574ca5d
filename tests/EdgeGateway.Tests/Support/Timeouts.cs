namespace AiCdn.EdgeGateway.Tests.Support;

/// <summary>Generous bounds: they fail a stuck test, they do not time a healthy one.</summary>
public static class Timeouts
{
    public static readonly TimeSpan Short = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(45);

    public static CancellationToken Token(TimeSpan? timeout = null) => new CancellationTokenSource(timeout ?? Long).Token;
}
