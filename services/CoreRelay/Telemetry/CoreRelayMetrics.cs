using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace AiCdn.CoreRelay.Telemetry;

/// <summary>The core's instruments (meter <c>AiCdn.CoreRelay</c>), with the GenAI semantic-convention ones beside ours.</summary>
public sealed class CoreRelayMetrics : AiCdn.Quota.Storage.IQuotaStoreObserver
{
    public const string MeterName = "AiCdn.CoreRelay";
    private const string Service = "core-relay";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _sseActive;
    private readonly UpDownCounter<long> _connections;
    private readonly Histogram<double> _upstreamLatency;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _settlementFailures;
    private readonly Histogram<double> _genAiTimeToFirstToken;
    private readonly Histogram<long> _genAiTokenUsage;
    private readonly Counter<long> _resumes;
    private readonly Histogram<double> _overhead;
    private readonly Counter<long> _quotaDecisions;
    private readonly Counter<long> _quotaRejections;
    private readonly Counter<long> _quotaExtensions;
    private readonly Counter<long> _quotaSettlements;
    private readonly Counter<long> _quotaStoreErrors;
    private readonly Histogram<double> _quotaStoreDuration;
    private readonly Meter _meter;
    private readonly BoundedLabels _tenants;
    private readonly BoundedLabels _models;

    public CoreRelayMetrics(IMeterFactory meterFactory, IOptions<CoreRelayOptions> options)
    {
        var meter = _meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("aicdn.requests", "{request}", "Requests by route, status class and result.");
        _duration = meter.CreateHistogram<double>("aicdn.request.duration", "s", "Full request duration, to the last byte.");
        _sseActive = meter.CreateUpDownCounter<long>("aicdn.sse.connections.active", "{stream}", "Open SSE streams.");
        _connections = meter.CreateUpDownCounter<long>("aicdn.connections.active", "{connection}", "Open connections to the LLM origins.");
        _upstreamLatency = meter.CreateHistogram<double>("aicdn.upstream.latency", "s", "Time to the origin's response headers.");
        _timeToFirstToken = meter.CreateHistogram<double>("aicdn.time_to_first_token", "s", "Time from the request to the first content token relayed.");
        _tokens = meter.CreateCounter<long>("aicdn.tokens", "{token}", "Tokens settled, by kind, tenant and model.");
        _failovers = meter.CreateCounter<long>("aicdn.failovers", "{attempt}", "Requests retried on another origin before the first byte.");
        _settlementFailures = meter.CreateCounter<long>("aicdn.settlement.failures", "{settlement}", "Settlements auth-quota could not take.");
        _genAiTimeToFirstToken = meter.CreateHistogram<double>("gen_ai.server.time_to_first_token", "s", "GenAI semantic convention: time to first token.");
        _genAiTokenUsage = meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}", "GenAI semantic convention: tokens per request.");
        _overhead = meter.CreateHistogram<double>("aicdn.relay.overhead", "s", "Time the core adds before answering: its time to response headers minus the origin's.");
        _resumes = meter.CreateCounter<long>("aicdn.resumes", "{resume}", "Stream resumes by result (succeeded, expired, not_found, buffer_exceeded).");

        // The same instruments auth-quota has, for the decisions this core makes against Redis itself
        // (see DirectQuota): summed over services they count every decision, wherever it was made.
        _quotaDecisions = meter.CreateCounter<long>("aicdn.quota.decisions", "{decision}", "Authorisation decisions, by result.");
        _quotaRejections = meter.CreateCounter<long>("aicdn.ratelimit.rejections", "{request}", "Requests refused because a limit had no room, by the limit that refused them.");
        _quotaExtensions = meter.CreateCounter<long>("aicdn.quota.extensions", "{extension}", "Streams without a completion limit asking for more tokens past their reservation, by result (extended, refused, unknown).");
        _quotaSettlements = meter.CreateCounter<long>("aicdn.quota.settlements", "{settlement}", "Settlements of reservations, by result.");
        _quotaStoreErrors = meter.CreateCounter<long>("aicdn.quota.store.errors", "{error}", "Calls to the quota store that failed (store unreachable, timed out or refused).");
        _quotaStoreDuration = meter.CreateHistogram(
            "aicdn.quota.store.duration", "s", "Time of one call to the quota store.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _tenants = new BoundedLabels(options.Value.MetricsTenants, capacity: 100);
        _models = new BoundedLabels([], capacity: 50);
    }

    public string ModelLabel(string? model) => _models.Label(model);

    public void Request(string route, int status, string result, TimeSpan duration)
    {
        var tags = new TagList
        {
            { "service", Service },
            { "route", route },
            { "status_class", StatusClass(status) },
            { "result", result },
        };
        _requests.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    public void StreamOpened() => _sseActive.Add(1, new KeyValuePair<string, object?>("service", Service));

    public void StreamClosed() => _sseActive.Add(-1, new KeyValuePair<string, object?>("service", Service));

    public void ConnectionOpened() => _connections.Add(1, new KeyValuePair<string, object?>("service", Service));

    public void ConnectionClosed() => _connections.Add(-1, new KeyValuePair<string, object?>("service", Service));

    public void UpstreamLatency(TimeSpan latency) =>
        _upstreamLatency.Record(latency.TotalSeconds, new KeyValuePair<string, object?>("service", Service));

    public void TimeToFirstToken(TimeSpan ttft, string? model)
    {
        var modelLabel = ModelLabel(model);
        _timeToFirstToken.Record(ttft.TotalSeconds, new TagList { { "service", Service }, { "model", modelLabel } });
        _genAiTimeToFirstToken.Record(ttft.TotalSeconds, new TagList { { "gen_ai.operation.name", "chat" }, { "gen_ai.request.model", modelLabel } });
    }

    public void Tokens(string? tenant, string? model, int prompt, int completion)
    {
        var tenantLabel = _tenants.Label(tenant);
        var modelLabel = ModelLabel(model);
        _tokens.Add(prompt, new TagList { { "kind", "prompt" }, { "tenant", tenantLabel }, { "model", modelLabel } });
        _tokens.Add(completion, new TagList { { "kind", "completion" }, { "tenant", tenantLabel }, { "model", modelLabel } });
        _genAiTokenUsage.Record(prompt, new TagList { { "gen_ai.token.type", "input" }, { "gen_ai.request.model", modelLabel } });
        _genAiTokenUsage.Record(completion, new TagList { { "gen_ai.token.type", "output" }, { "gen_ai.request.model", modelLabel } });
    }

    public void Failover(string reason) => _failovers.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void SettlementFailed(int count = 1) => _settlementFailures.Add(count);

    public void ObserveSettlementsPending(Func<int> pending) =>
        _meter.CreateObservableGauge("aicdn.settlements.pending", pending, "{settlement}", "Settlements queued, in flight or waiting to be tried again.");

    public void ObserveDecisionsPending(Func<long> pending) =>
        _meter.CreateObservableGauge("aicdn.decisions.pending", pending, "{decision}", "Quota decisions in flight (capped by MAX_PENDING_DECISIONS).");

    public void RelayOverhead(TimeSpan overhead) =>
        _overhead.Record(Math.Max(0, overhead.TotalSeconds), new KeyValuePair<string, object?>("service", Service));

    /// <summary>A decision this core made against Redis itself; <paramref name="result"/> as auth-quota's (allowed, or the refusal's code).</summary>
    public void QuotaDecision(string result, string? tenant) =>
        _quotaDecisions.Add(1, new TagList { { "result", result }, { "tenant", _tenants.Label(tenant) }, { "decided_by", Service } });

    public void QuotaRejection(AiCdn.Quota.LimitKind kind, AiCdn.Quota.LimitScope scope, string? tenant) =>
        _quotaRejections.Add(1, new TagList
        {
            { "limit", AiCdn.Quota.LimitNames.Tag(kind) }, { "scope", AiCdn.Quota.LimitNames.Tag(scope) }, { "tenant", _tenants.Label(tenant) },
        });

    public void QuotaExtension(Accounting.ExtensionResult result) =>
        _quotaExtensions.Add(1, new KeyValuePair<string, object?>("result", result switch
        {
            Accounting.ExtensionResult.Extended => "extended",
            Accounting.ExtensionResult.Refused => "refused",
            _ => "unknown",
        }));

    public void QuotaSettlement(string result) =>
        _quotaSettlements.Add(1, new TagList { { "result", result }, { "decided_by", Service } });

    public void StoreCall(string store, string operation, TimeSpan elapsed, bool failed)
    {
        var tags = new TagList { { "store", store }, { "operation", operation } };
        _quotaStoreDuration.Record(elapsed.TotalSeconds, tags);
        if (failed)
        {
            _quotaStoreErrors.Add(1, tags);
        }
    }

    public void Resume(string result) => _resumes.Add(1, new KeyValuePair<string, object?>("result", result));

    /// <summary>Gauges read from the stream registry: replay bytes held and resumable streams known.</summary>
    public void ObserveResumable(Func<long> bufferedBytes, Func<int> streams)
    {
        _meter.CreateObservableGauge("aicdn.resume.buffered", bufferedBytes, "By", "Bytes held in resumable streams' replay buffers.");
        _meter.CreateObservableGauge("aicdn.resume.streams", streams, "{stream}", "Resumable streams held (live or within their grace period).");
    }

    private static string StatusClass(int status) => status switch
    {
        < 200 => "1xx",
        < 300 => "2xx",
        < 400 => "3xx",
        < 500 => "4xx",
        _ => "5xx",
    };
}
