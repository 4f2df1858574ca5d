using AiCdn.Forwarding.Failover;
using Yarp.ReverseProxy.Model;

namespace AiCdn.EdgeGateway.Tests.Unit;

/// <summary>The order in which both hops and the WebSocket path try destinations after a failure.</summary>
public sealed class FailoverCandidatesTests
{
    private static readonly DestinationState A = new("a");
    private static readonly DestinationState B = new("b");
    private static readonly DestinationState C = new("c");

    [Fact]
    public void BeforeAnyFailure_TheHealthyOnes_NotCopied()
    {
        IReadOnlyList<DestinationState> healthy = [A, B];

        Assert.Same(healthy, FailoverCandidates.Untried(healthy, [A, B, C], tried: null));
    }

    [Fact]
    public void NoneHealthy_TheMarkedDownOnesAreTried()
    {
        Assert.Equal(["a", "b"], Ids(FailoverCandidates.Untried([], [A, B], tried: null)));
    }

    [Fact]
    public void AfterAFailure_HealthyOnesNotTried_First()
    {
        Assert.Equal(["b"], Ids(FailoverCandidates.Untried([A, B], [A, B, C], tried: [A])));
    }

    [Fact]
    public void HealthyOnesAllTried_ThenTheMarkedDownOnes_NeverOneTwice()
    {
        Assert.Equal(["c"], Ids(FailoverCandidates.Untried([A, B], [A, B, C], tried: [A, B])));
        Assert.Empty(Ids(FailoverCandidates.Untried([A, B], [A, B, C], tried: [A, B, C])));
    }

    // DestinationState is itself a one-item list of DestinationState, which xunit's deep comparison recurses into forever.
    private static string[] Ids(IReadOnlyList<DestinationState> destinations) => [.. destinations.Select(d => d.DestinationId)];
}
