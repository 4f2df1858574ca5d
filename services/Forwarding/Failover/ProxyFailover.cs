using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace AiCdn.Forwarding.Failover;

/// <summary>
/// The retry loop of a YARP hop, run before load balancing: each attempt forwards to one of the
/// candidates the hop names; when the hop judges a failure worth another destination and nothing has
/// reached the client, the answer is cleared and the next attempt goes to a destination not yet tried.
/// A hop says only what differs: its per-request state, its candidates, what is retryable, what
/// changes between attempts, and how a request it gives up on is answered.
/// </summary>
/// <typeparam name="TRequest">What the hop keeps for one request across its attempts.</typeparam>
public abstract class ProxyFailover<TRequest>(RequestDelegate next)
    where TRequest : class
{
    /// <summary>The rest of the pipeline (YARP's load balancing and the forward), for a hop that lets a request it does not handle pass.</summary>
    protected RequestDelegate Next { get; } = next;

    public Task InvokeAsync(HttpContext context) => Handles(context) ? RunAsync(context) : Next(context);

    /// <summary>Whether this hop routes the request at all; one it does not is passed on untouched, at no cost.</summary>
    protected virtual bool Handles(HttpContext context) => true;

    private async Task RunAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var healthy = proxy.AvailableDestinations;
        var all = proxy.AllDestinations;
        var request = await BeginAsync(context, healthy, all);
        if (request is null)
        {
            return;
        }

        List<DestinationState>? tried = null;
        for (var attempt = 1; ; attempt++)
        {
            var candidates = Candidates(request, healthy, all, tried);
            if (candidates.Count == 0)
            {
                await NoCandidateAsync(context, request, healthy);
                return;
            }

            proxy.AvailableDestinations = candidates;
            BeforeAttempt(context, request, attempt, candidates.Count);
            await Next(context);

            var error = context.Features.Get<IForwarderErrorFeature>();
            var failed = proxy.ProxiedDestination;
            var reason = failed is null || context.Response.HasStarted || context.RequestAborted.IsCancellationRequested
                ? null
                : RetryReason(context, request, error, attempt);
            if (reason is null)
            {
                await EndAsync(context, request, error, failed);
                return;
            }

            (tried ??= []).Add(failed!);
            BeforeRetry(context, request, failed!, attempt, reason, error);
            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature?>(null);
        }
    }

    /// <summary>Sets up the request's state; null when the hop has already answered (nowhere to send it).</summary>
    protected abstract ValueTask<TRequest?> BeginAsync(HttpContext context, IReadOnlyList<DestinationState> healthy, IReadOnlyList<DestinationState> all);

    /// <summary>The destinations this attempt may go to; by default <see cref="FailoverCandidates.Untried"/>.</summary>
    protected virtual IReadOnlyList<DestinationState> Candidates(
        TRequest request, IReadOnlyList<DestinationState> healthy, IReadOnlyList<DestinationState> all, List<DestinationState>? tried) =>
        FailoverCandidates.Untried(healthy, all, tried);

    /// <summary>No destination is left to try; the client must get an answer.</summary>
    protected abstract Task NoCandidateAsync(HttpContext context, TRequest request, IReadOnlyList<DestinationState> healthy);

    /// <summary>Just before an attempt is forwarded to one of <paramref name="candidates"/> destinations.</summary>
    protected abstract void BeforeAttempt(HttpContext context, TRequest request, int attempt, int candidates);

    /// <summary>Why this failed attempt should go to another destination (a label for logs and metrics), or null to end here.</summary>
    protected abstract string? RetryReason(HttpContext context, TRequest request, IForwarderErrorFeature? error, int attempt);

    /// <summary>An attempt failed and another follows: count it, log it, and make the request sendable again.</summary>
    protected abstract void BeforeRetry(HttpContext context, TRequest request, DestinationState failed, int attempt, string reason, IForwarderErrorFeature? error);

    /// <summary>The last attempt's outcome stands: a failure is logged, and a bare error status gets OpenAI's body.</summary>
    protected abstract Task EndAsync(HttpContext context, TRequest request, IForwarderErrorFeature? error, DestinationState? destination);
}
