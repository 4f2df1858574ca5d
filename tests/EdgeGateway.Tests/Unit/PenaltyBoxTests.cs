using System.Net;
using AiCdn.EdgeGateway.Protection;
using Microsoft.Extensions.Time.Testing;

namespace AiCdn.EdgeGateway.Tests.Unit;

public sealed class PenaltyBoxTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.2");
    private static readonly IPAddress C = IPAddress.Parse("192.0.2.3");

    [Fact]
    public void Held_ForItsDuration_ThenFree()
    {
        var time = new FakeTimeProvider();
        var box = new PenaltyBox(TimeSpan.FromSeconds(60), 10, time);

        box.Hold(A);
        time.Advance(TimeSpan.FromSeconds(45));

        Assert.True(box.IsHeld(A, out var left));
        Assert.Equal(TimeSpan.FromSeconds(15), left);
        Assert.False(box.IsHeld(B, out _));
        time.Advance(TimeSpan.FromSeconds(15));
        Assert.False(box.IsHeld(A, out _));
        Assert.Equal(0, box.Count);
    }

    [Fact]
    public void Full_NewOffendersNotHeld_KnownOnesRenewed_ExpiredOnesSwept()
    {
        var time = new FakeTimeProvider();
        var box = new PenaltyBox(TimeSpan.FromSeconds(60), 2, time);

        box.Hold(A);
        box.Hold(B);
        box.Hold(C);
        Assert.False(box.IsHeld(C, out _));

        time.Advance(TimeSpan.FromSeconds(30));
        box.Hold(A);
        time.Advance(TimeSpan.FromSeconds(30));
        box.RemoveExpired();

        Assert.True(box.IsHeld(A, out var left));
        Assert.Equal(TimeSpan.FromSeconds(30), left);
        Assert.Equal(1, box.Count);
    }
}
