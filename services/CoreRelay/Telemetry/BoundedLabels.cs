using System.Collections.Concurrent;

namespace AiCdn.CoreRelay.Telemetry;

/// <summary>
/// Keeps a metric label's cardinality bounded: values from a configured list pass; without a list,
/// the first <c>capacity</c> distinct values pass; everything else is reported as <c>other</c>.
/// Callers' strings (model names) must never grow a time series per request.
/// </summary>
public sealed class BoundedLabels(IReadOnlyCollection<string> configured, int capacity)
{
    public const string Other = "other";
    public const string None = "none";

    private readonly HashSet<string> _configured = new(configured, StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);

    public string Label(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return None;
        }

        if (_configured.Count > 0)
        {
            return _configured.Contains(value) ? value : Other;
        }

        if (_seen.ContainsKey(value))
        {
            return value;
        }

        if (_seen.Count < capacity && value.Length <= 64)
        {
            _seen.TryAdd(value, 0);
            return value;
        }

        return Other;
    }
}
