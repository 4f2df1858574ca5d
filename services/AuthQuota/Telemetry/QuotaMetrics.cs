using System.Diagnostics;
using System.Diagnostics.Metrics;
using AiCdn.Quota;

namespace AiCdn.AuthQuota.Telemetry;

/// <summary>
/// auth-quota's instruments (meter <c>AiCdn.AuthQuota</c>). Tags are bounded: limit and scope names,
/// decision results, store operations, and tenants only from configuration (others are <c>other</c>).
/// </summary>
public sealed class QuotaMetrics : AiCdn.Quota.Storage.IQuotaStoreObserver
{
    public const string MeterName = "AiCdn.AuthQuota";

    // Redis round trips on loopback take tens to hundreds of microseconds: the default buckets
    // (0, 5, 10, 25 ... seconds) would put every one of them in the first.
    private static readonly IReadOnlyList<double> s_storeBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private readonly Counter<long> _rejections;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _settlements;
    private readonly Counter<long> _storeErrors;
    private readonly Histogram<double> _storeDuration;

    public QuotaMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _rejections = meter.CreateCounter<long>(
            "aicdn.ratelimit.rejections", "{request}", "Requests refused because a limit had no room, by the limit that refused them.");
        _decisions = meter.CreateCounter<long>(
            "aicdn.quota.decisions", "{decision}", "Authorisation decisions, by result.");
        _settlements = meter.CreateCounter<long>(
            "aicdn.quota.settlements", "{settlement}", "Settlements of reservations, by result.");
        _storeErrors = meter.CreateCounter<long>(
            "aicdn.quota.store.errors", "{error}", "Calls to the quota store that failed (store unreachable, timed out or refused).");
        _storeDuration = meter.CreateHistogram(
            "aicdn.quota.store.duration", "s", "Time of one call to the quota store.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_storeBuckets });
    }

    public void Rejected(LimitKind kind, LimitScope scope, string tenantLabel)
    {
        if (_rejections.Enabled)
        {
            _rejections.Add(1, new TagList { { "limit", LimitNames.Tag(kind) }, { "scope", LimitNames.Tag(scope) }, { "tenant", tenantLabel } });
        }
    }

    /// <summary><paramref name="result"/>: allowed, allowed_fail_open, or the error code of a refusal.</summary>
    public void Decision(string result, string tenantLabel)
    {
        if (_decisions.Enabled)
        {
            _decisions.Add(1, new TagList { { "result", result }, { "tenant", tenantLabel } });
        }
    }

    public void Settlement(string result)
    {
        if (_settlements.Enabled)
        {
            _settlements.Add(1, new TagList { { "result", result } });
        }
    }

    public void StoreCall(string store, string operation, TimeSpan elapsed, bool failed)
    {
        var tags = new TagList { { "store", store }, { "operation", operation } };
        _storeDuration.Record(elapsed.TotalSeconds, tags);
        if (failed)
        {
            _storeErrors.Add(1, tags);
        }
    }
}
