namespace AiCdn.Observability.Tests.Support;

/// <summary>
/// Exact values expected on /metrics, checked until they all hold (a request's metrics are
/// recorded as its last byte leaves, a moment after the client has read it) or a timeout, which
/// fails listing each expectation with the value actually scraped.
/// </summary>
internal sealed class Expectations(ObservedChain chain, IReadOnlyDictionary<string, Scrape> baseline)
{
    private readonly List<(string Description, Func<IReadOnlyDictionary<string, Scrape>, double> Read, double Expected)> _items = [];

    /// <summary>The increase since the baseline of a sum of samples on one service's /metrics.</summary>
    public Expectations Delta(string service, string name, double expected, params (string Label, string Value)[] labels)
    {
        _items.Add(($"{service}: increase of {name}{Format(labels)}",
            now => now[service].Sum(name, labels) - baseline[service].Sum(name, labels), expected));
        return this;
    }

    /// <summary>The current value of a sum of samples (a gauge) on one service's /metrics.</summary>
    public Expectations Value(string service, string name, double expected, params (string Label, string Value)[] labels)
    {
        _items.Add(($"{service}: {name}{Format(labels)}", now => now[service].Sum(name, labels), expected));
        return this;
    }

    public async Task VerifyAsync(TimeSpan timeout)
    {
        IReadOnlyDictionary<string, Scrape>? last = null;
        try
        {
            await Wait.UntilAsync(async () =>
            {
                last = await chain.ScrapeAllAsync();
                return _items.All(i => i.Read(last) == i.Expected);
            }, timeout, "the metrics below");
        }
        catch (TimeoutException) when (last is not null)
        {
            var report = string.Join('\n', _items.Select(i => $"{(i.Read(last) == i.Expected ? "ok  " : "FAIL")} {i.Description}: expected {i.Expected}, scraped {i.Read(last)}"));
            Assert.Fail($"Within {timeout.TotalSeconds:0} s the metrics did not reach the expected values:\n{report}");
        }
    }

    private static string Format((string Label, string Value)[] labels) =>
        labels.Length == 0 ? string.Empty : "{" + string.Join(',', labels.Select(l => $"{l.Label}=\"{l.Value}\"")) + "}";
}
