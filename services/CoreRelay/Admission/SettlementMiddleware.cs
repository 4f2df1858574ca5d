using System.Diagnostics;
using AiCdn.Common.Quota;
using AiCdn.CoreRelay.Accounting;
using AiCdn.CoreRelay.Resumable;
using AiCdn.CoreRelay.Telemetry;
using Microsoft.AspNetCore.Http.Features;

namespace AiCdn.CoreRelay.Admission;

/// <summary>
/// Step 4, around the relay itself: however the response ends, the reservation is settled once
/// with what the origin really did (<see cref="SettlementPolicy"/>), off the request's path
/// (<see cref="SettlementQueue"/>). A resumable stream the client left keeps running for its grace
/// period and is settled when it is really over.
/// </summary>
public sealed class SettlementMiddleware(
    RequestDelegate next,
    SettlementQueue settlements,
    LeaseRenewer leases,
    CoreRelayMetrics metrics,
    AccessLog accessLog,
    TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var relay = context.Features.GetRequiredFeature<RelayFeature>();
        var streaming = relay.Summary.Stream;
        if (streaming)
        {
            metrics.StreamOpened();
        }

        try
        {
            await next(context);
        }
        finally
        {
            if (streaming)
            {
                metrics.StreamClosed();
            }

            if (relay.Session is { Completion.IsCompleted: false } session)
            {
                _ = SettleWhenDoneAsync(relay, session, context.Response.StatusCode);
            }
            else
            {
                var clientGone = context.RequestAborted.IsCancellationRequested;
                Settle(relay, context.Response.StatusCode, clientGone, relay.Activity, originHadRequest: clientGone && WasSentWhole(context.Request.Body));
            }
        }
    }

    private async Task SettleWhenDoneAsync(RelayFeature relay, StreamSession session, int status)
    {
        await session.Completion;

        // The request (and its span) ended long ago: nothing may touch its HttpContext now. The
        // client that left may have resumed: how the stream ended is what the session recorded.
        Settle(relay, status, clientGone: false, activity: null);
    }

    /// <summary>
    /// Whether the forwarder read the whole buffered body, i.e. the origin has the request: the body
    /// is read only once a connection to the origin is open (failover rewinds it for each attempt).
    /// </summary>
    private static bool WasSentWhole(Stream body) =>
        body is MemoryStream { CanSeek: true } buffered && buffered.Length > 0 && buffered.Position >= buffered.Length;

    private void Settle(RelayFeature relay, int status, bool clientGone, Activity? activity, bool originHadRequest = false)
    {
        var accounting = relay.Accounting;
        var settlement = SettlementPolicy.Decide(accounting, relay.EstimatedPromptTokens, clientGone, originHadRequest);
        var decision = relay.Decision;
        leases.Forget(decision.ReservationId);
        settlements.Enqueue(
            new SettleRequest(decision.ReservationId, settlement.PromptTokens, settlement.CompletionTokens, settlement.Forwarded, settlement.Outcome, decision.KeyId, decision.Tenant),
            relay.Activity?.Context ?? default);

        var model = relay.Summary.Model;
        if (settlement.Forwarded)
        {
            metrics.Tokens(decision.Tenant, model, settlement.PromptTokens, settlement.CompletionTokens);
        }

        TimeSpan? ttft = accounting.FirstContentTimestamp != 0 ? time.GetElapsedTime(relay.StartTimestamp, accounting.FirstContentTimestamp) : null;
        if (ttft is { } firstToken)
        {
            metrics.TimeToFirstToken(firstToken, model);
        }

        var duration = time.GetElapsedTime(relay.StartTimestamp);
        accessLog.Completed(
            new AccessLogEntry(relay.RequestId, relay.Method, relay.Path, status, settlement.Outcome, decision.Tenant, decision.KeyId, model,
                settlement.PromptTokens, settlement.CompletionTokens, ttft, duration),
            activity);
        metrics.Request(relay.Route, status, SettlementPolicy.Result(settlement.Outcome), duration);
    }
}
