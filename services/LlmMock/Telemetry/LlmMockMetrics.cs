using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AiCdn.LlmMock.Telemetry;

/// <summary>The mock's instruments (meter <c>AiCdn.LlmMock</c>); labels are bounded (routes, models, fault kinds).</summary>
public sealed class LlmMockMetrics
{
    public const string MeterName = "AiCdn.LlmMock";
    private const string Service = "llm-mock";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _sseActive;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _faults;

    public LlmMockMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("aicdn.requests", "{request}", "Requests by route, status class and result.");
        _duration = meter.CreateHistogram<double>("aicdn.request.duration", "s", "Full request duration, to the last byte.");
        _sseActive = meter.CreateUpDownCounter<long>("aicdn.sse.connections.active", "{stream}", "Open SSE streams.");
        _tokens = meter.CreateCounter<long>("aicdn.tokens", "{token}", "Tokens generated or read, by kind and model.");
        _faults = meter.CreateCounter<long>("aicdn.mock.faults", "{fault}", "Faults injected, by kind.");
    }

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

    /// <summary>Counts a finished exchange's tokens; the model is always one of the catalog's few ids.</summary>
    public void Tokens(string model, int prompt, int completion)
    {
        if (!_tokens.Enabled)
        {
            return;
        }

        _tokens.Add(prompt, new TagList { { "service", Service }, { "kind", "prompt" }, { "model", model } });
        if (completion > 0)
        {
            _tokens.Add(completion, new TagList { { "service", Service }, { "kind", "completion" }, { "model", model } });
        }
    }

    public void Fault(string kind) => _faults.Add(1, new TagList { { "service", Service }, { "kind", kind } });

    private static string StatusClass(int status) => status switch
    {
        < 200 => "1xx",
        < 300 => "2xx",
        < 400 => "3xx",
        < 500 => "4xx",
        _ => "5xx",
    };
}
