using System.Text;
using AiCdn.CoreRelay.Accounting;
using AiCdn.CoreRelay.Telemetry;
using AiCdn.Tokens;
using BenchmarkDotNet.Attributes;

namespace AiCdn.Relay.Benchmarks;

/// <summary>
/// What the core spends relaying one streamed completion of 200 content events (plus the role,
/// usage and <c>[DONE]</c> events) through <see cref="SseRelayStream"/>: framing, inspecting and
/// counting each event. <c>NamedLimit</c> is a request with <c>max_tokens</c> (no budget, the path
/// every benchmark load takes); <c>NoLimit</c> a request without one, whose budget covers the
/// stream; <c>NoLimit_ExtendedEvery50</c> one whose budget grows every 50 tokens (the extension
/// answers at once, so this is the core's own cost of asking, not the round trip).
/// </summary>
[MemoryDiagnoser]
public class SseRelayBenchmarks
{
    private static readonly SseEventInspector s_inspector = new(TokenCounter.Default);

    private readonly byte[] _stream = BuildStream(200);
    private readonly CoreRelayMetrics _metrics = new(new NullMeterFactory(), Microsoft.Extensions.Options.Options.Create(new AiCdn.CoreRelay.CoreRelayOptions()));

    [Benchmark(Baseline = true)]
    public Task<int> NamedLimit() => RelayAsync(budget: null);

    [Benchmark]
    public Task<int> NoLimit() => RelayAsync(new TokenBudget(1024, 1024, static (_, _) => Task.FromResult(ExtensionResult.Extended), _metrics));

    [Benchmark]
    public Task<int> NoLimit_ExtendedEvery50() => RelayAsync(new TokenBudget(50, 50, static (_, _) => Task.FromResult(ExtensionResult.Extended), _metrics));

    private async Task<int> RelayAsync(TokenBudget? budget)
    {
        var accounting = new RelayAccounting { CountedPromptTokens = 10, Budget = budget };
        await using var relay = new SseRelayStream(new MemoryStream(_stream, writable: false), accounting, s_inspector, dropUsageOnlyChunk: true, TimeSpan.FromMinutes(1), TimeProvider.System);
        var buffer = new byte[16 * 1024];
        var total = 0;
        int read;
        while ((read = await relay.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        return total + accounting.RelayedCompletionTokens;
    }

    private static byte[] BuildStream(int contentEvents)
    {
        var text = new StringBuilder();
        text.Append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        for (var i = 0; i < contentEvents; i++)
        {
            text.Append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1733600000,\"model\":\"mock-gpt\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" token\"},\"finish_reason\":null}]}\n\n");
        }

        text.Append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":200,\"total_tokens\":210}}\n\n");
        text.Append("data: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private sealed class NullMeterFactory : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }
}
