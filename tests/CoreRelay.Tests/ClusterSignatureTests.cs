using AiCdn.Common.Security;
using Microsoft.Extensions.Time.Testing;

namespace AiCdn.CoreRelay.Tests;

/// <summary>A signature binds the request it was made for, and is accepted once.</summary>
public sealed class ClusterSignatureTests
{
    private const string Secret = "unit-test-cluster-secret-0123456789";

    [Fact]
    public void Verify_TheRequestItWasMadeFor_OnceOnly()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var edge = new ClusterSignature(Secret, time);
        var core = new ClusterSignature(Secret, time);

        var header = edge.Create("POST", "/v1/chat/completions?a=1", "Bearer sk-1", "203.0.113.7");

        Assert.True(core.Verify(header, "POST", "/v1/chat/completions?a=1", "Bearer sk-1", "203.0.113.7"));
        Assert.False(core.Verify(header, "POST", "/v1/chat/completions?a=1", "Bearer sk-1", "203.0.113.7"));
    }

    [Theory]
    [InlineData("GET", "/v1/chat/completions?a=1", "Bearer sk-1", "203.0.113.7")]
    [InlineData("POST", "/v1/chat/completions", "Bearer sk-1", "203.0.113.7")]
    [InlineData("POST", "/v1/chat/completions?a=2", "Bearer sk-1", "203.0.113.7")]
    [InlineData("POST", "/v1/embeddings?a=1", "Bearer sk-1", "203.0.113.7")]
    [InlineData("POST", "/v1/chat/completions?a=1", "Bearer sk-2", "203.0.113.7")]
    [InlineData("POST", "/v1/chat/completions?a=1", null, "203.0.113.7")]
    [InlineData("POST", "/v1/chat/completions?a=1", "Bearer sk-1", "198.51.100.1")]
    [InlineData("POST", "/v1/chat/completions?a=1", "Bearer sk-1", null)]
    public void Verify_AnyBoundPartChanged_Refused(string method, string path, string? authorization, string? forwardedFor)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var header = new ClusterSignature(Secret, time).Create("POST", "/v1/chat/completions?a=1", "Bearer sk-1", "203.0.113.7");

        Assert.False(new ClusterSignature(Secret, time).Verify(header, method, path, authorization, forwardedFor));
    }

    [Fact]
    public void Verify_OlderThanTheAllowedSkew_Refused()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var edge = new ClusterSignature(Secret, time);
        var core = new ClusterSignature(Secret, time);
        var header = edge.Create("GET", "/v1/models");

        time.Advance(ClusterSignature.AllowedSkew + TimeSpan.FromSeconds(2));

        Assert.False(core.Verify(header, "GET", "/v1/models"));
    }

    [Theory]
    [InlineData("v1,t=1,s=AAAA")]
    [InlineData("v2,t=1")]
    [InlineData("v2,t=x,k=0123456789abcdef,n=1,s=AAAA")]
    [InlineData("v2,t=1,k=short,n=1,s=AAAA")]
    [InlineData("v2,t=1,k=0123456789abcdef,n=-1,s=AAAA")]
    [InlineData("garbage")]
    [InlineData("")]
    public void Verify_Malformed_Refused(string header)
    {
        Assert.False(new ClusterSignature(Secret, TimeProvider.System).Verify(header, "GET", "/v1/models"));
    }

    [Fact]
    public void ReplayWindow_OutOfOrderWithinTheWindow_EachAcceptedOnce()
    {
        var window = new ReplayWindow(TimeProvider.System, TimeSpan.FromMinutes(4));
        long[] order = [5, 1, 3, 2, 4, 100, 50, 6];

        Assert.All(order, n => Assert.True(window.TryAccept("0123456789abcdef", n)));
        Assert.All(order, n => Assert.False(window.TryAccept("0123456789abcdef", n)));
        Assert.True(window.TryAccept("fedcba9876543210", 5));
    }

    [Fact]
    public void ReplayWindow_OlderThanTheWindow_Refused()
    {
        var window = new ReplayWindow(TimeProvider.System, TimeSpan.FromMinutes(4));

        Assert.True(window.TryAccept("0123456789abcdef", ReplayWindow.WindowSize + 10));
        Assert.False(window.TryAccept("0123456789abcdef", 5));
        Assert.True(window.TryAccept("0123456789abcdef", 11));
    }
}
