using System.Text.Json;
using AiCdn.Common.Streams;
using AiCdn.EdgeGateway.Forwarding;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace AiCdn.EdgeGateway.Tests.Unit;

/// <summary>
/// A resume is asked of one core at a time, the one known to hold its node first, until a core has
/// the stream; a core's 404 reaches the client only when no core is left. Other requests pass untouched.
/// </summary>
public sealed class ResumeRoutingTests
{
    private static readonly DestinationState A = Core("a", "http://10.0.0.1:9000");
    private static readonly DestinationState B = Core("b", "http://10.0.0.2:9000");
    private static readonly DestinationState C = Core("c", "http://10.0.0.3:9000");

    [Fact]
    public async Task UnknownNode_EachCoreAskedInTurn_UntilOneHasTheStream()
    {
        var result = await ResumeAsync(holder: "b", known: null);

        Assert.Equal(["a", "b"], result.Asked);
        Assert.Equal(StatusCodes.Status200OK, result.Status);
    }

    [Fact]
    public async Task NoCoreHasTheStream_EveryCoreAskedOnce_TheLastOnes404Stands()
    {
        var result = await ResumeAsync(holder: null, known: null);

        Assert.Equal(["a", "b", "c"], result.Asked);
        Assert.Equal(StatusCodes.Status404NotFound, result.Status);
    }

    [Fact]
    public async Task KnownNode_ItsCoreAskedFirst()
    {
        var result = await ResumeAsync(holder: "c", known: new Uri("http://10.0.0.3:9000"));

        Assert.Equal(["c"], result.Asked);
        Assert.Equal(StatusCodes.Status200OK, result.Status);
    }

    [Fact]
    public async Task NoCoreMarkedHealthy_TheMarkedDownOnesAreAsked()
    {
        var result = await ResumeAsync(holder: "b", known: null, healthy: []);

        Assert.Equal(["a", "b"], result.Asked);
        Assert.Equal(StatusCodes.Status200OK, result.Status);
    }

    [Fact]
    public async Task NoCoreAtAll_503NoHealthyCore_AsOpenAiJson()
    {
        var context = Context(StreamId.ResumePath(StreamId.New("node-7")), [], []);
        context.Response.Body = new MemoryStream();
        var calls = 0;
        var middleware = new ResumeRoutingMiddleware(_ => { calls++; return Task.CompletedTask; }, new CoreNodeDirectory());

        await middleware.InvokeAsync(context);

        Assert.Equal(0, calls);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        using var json = JsonDocument.Parse(((MemoryStream)context.Response.Body).ToArray());
        Assert.Equal("no_healthy_core", json.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task NotAResume_PassedOnOnce_WithTheDestinationsUntouched()
    {
        var context = Context("/v1/chat/completions", [A, B, C]);
        var calls = 0;
        var middleware = new ResumeRoutingMiddleware(_ => { calls++; return Task.CompletedTask; }, new CoreNodeDirectory());

        await middleware.InvokeAsync(context);

        Assert.Equal(1, calls);
        Assert.Equal(3, context.GetReverseProxyFeature().AvailableDestinations.Count);
        Assert.Null(context.Features.Get<ResumeRoutingFeature>());
    }

    private static async Task<(List<string> Asked, int Status)> ResumeAsync(string? holder, Uri? known, IReadOnlyList<DestinationState>? healthy = null)
    {
        const string Node = "node-7";
        var nodes = new CoreNodeDirectory();
        if (known is not null)
        {
            nodes.Learn(Node, known);
        }

        var context = Context(StreamId.ResumePath(StreamId.New(Node)), [A, B, C], healthy);
        var asked = new List<string>();

        // Stands in for YARP's load balancing, the forward and EdgeTransforms' 404 rule.
        var middleware = new ResumeRoutingMiddleware(http =>
        {
            var proxy = http.GetReverseProxyFeature();
            var destination = Assert.Single(proxy.AvailableDestinations);
            proxy.ProxiedDestination = destination;
            asked.Add(destination.DestinationId);
            var has = destination.DestinationId == holder;
            http.Response.StatusCode = has ? StatusCodes.Status200OK : StatusCodes.Status404NotFound;
            if (!has && http.Features.Get<ResumeRoutingFeature>() is { MoreCandidates: true } routing)
            {
                routing.NotHere = true;
            }

            return Task.CompletedTask;
        }, nodes);

        await middleware.InvokeAsync(context);
        return (asked, context.Response.StatusCode);
    }

    private static DefaultHttpContext Context(string path, IReadOnlyList<DestinationState> all, IReadOnlyList<DestinationState>? healthy = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = path;
        context.Features.Set<IReverseProxyFeature>(new ProxyFeature(all, healthy ?? all));
        return context;
    }

    private static DestinationState Core(string id, string address) => new(id, new DestinationModel(new DestinationConfig { Address = address }));

    private sealed class ProxyFeature(IReadOnlyList<DestinationState> all, IReadOnlyList<DestinationState> healthy) : IReverseProxyFeature
    {
        public RouteModel Route => throw new NotSupportedException();

        public ClusterModel Cluster { get; set; } = null!;

        public IReadOnlyList<DestinationState> AllDestinations { get; } = all;

        public IReadOnlyList<DestinationState> AvailableDestinations { get; set; } = healthy;

        public DestinationState? ProxiedDestination { get; set; }
    }
}
