using AiCdn.Quota.InMemory;
using Microsoft.Extensions.Options;

namespace AiCdn.AuthQuota.Decisions;

/// <summary>
/// What happens while Redis does not answer. Fail-closed (the default) refuses; fail-open lets this
/// replica decide with its own in-memory counters for at most <see cref="AuthQuotaOptions.FailOpenFor"/>
/// after the outage began, then refuses too. The outage ends with the first call Redis answers.
/// </summary>
public sealed partial class StoreFailover(IOptions<AuthQuotaOptions> options, TimeProvider time, ILogger<StoreFailover> logger) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Lazy<InMemoryQuotaStore> _local = new(() => new InMemoryQuotaStore(time));
    private DateTimeOffset? _outageSince;

    /// <summary>The per-replica counters used while failing open.</summary>
    public InMemoryQuotaStore? LocalIfUsed => _local.IsValueCreated ? _local.Value : null;

    /// <summary>Records a failure; true (with the local store) when this decision may fail open.</summary>
    public bool TryFailOpen(out InMemoryQuotaStore local)
    {
        local = null!;
        var now = time.GetUtcNow();
        var settings = options.Value;
        DateTimeOffset since;
        lock (_gate)
        {
            if (_outageSince is null)
            {
                _outageSince = now;
                LogOutage(logger, settings.StoreFailureMode);
            }

            since = _outageSince.Value;
        }

        if (settings.StoreFailureMode != StoreFailureMode.FailOpen || now - since >= settings.FailOpenFor)
        {
            return false;
        }

        local = _local.Value;
        return true;
    }

    /// <summary>Redis answered: the outage, if any, is over.</summary>
    public void Succeeded()
    {
        if (_outageSince is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_outageSince is { } since)
            {
                _outageSince = null;
                LogRecovered(logger, time.GetUtcNow() - since);
            }
        }
    }

    public void Dispose()
    {
        if (_local.IsValueCreated)
        {
            _local.Value.Dispose();
        }
    }

    [LoggerMessage(EventId = 20, EventName = "QuotaStoreOutage", Level = LogLevel.Warning, Message = "The quota store (Redis) does not answer; decisions are {Mode} until it does.")]
    private static partial void LogOutage(ILogger logger, StoreFailureMode mode);

    [LoggerMessage(EventId = 21, EventName = "QuotaStoreRecovered", Level = LogLevel.Information, Message = "The quota store (Redis) answers again after {Duration}; decisions use it.")]
    private static partial void LogRecovered(ILogger logger, TimeSpan duration);
}
