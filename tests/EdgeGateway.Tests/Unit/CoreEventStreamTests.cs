using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Text;
using AiCdn.EdgeGateway.Streaming;
using AiCdn.EdgeGateway.Telemetry;
using AiCdn.EdgeGateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.EdgeGateway.Tests.Unit;

public sealed class CoreEventStreamTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().AddSingleton<EdgeMetrics>().BuildServiceProvider();
    private readonly Pipe _core = new();
    private readonly CancellationTokenSource _deadline = new();

    [Fact]
    public async Task ReadAsync_NoDrain_PassesBytesUnchanged()
    {
        using var relay = Relay();
        await WriteAsync("data: a\n\n");
        await WriteAsync("data: [DONE]\n\n");
        await _core.Writer.CompleteAsync();

        Assert.Equal("data: a\n\ndata: [DONE]\n\n", await ReadToEndAsync(relay));
    }

    [Fact]
    public async Task ReadAsync_DeadlineWhileCoreSilentAtBoundary_EndsWithDrainingEvent()
    {
        using var relay = Relay();
        await WriteAsync("data: a\n\n");
        var first = await ReadSomeAsync(relay);

        var rest = ReadToEndAsync(relay);
        await _deadline.CancelAsync();

        Assert.Equal("data: a\n\n", first);
        Assert.Equal(Encoding.UTF8.GetString(DrainingEvent.Bytes), await rest.WaitAsync(Timeouts.Short));
    }

    [Fact]
    public async Task ReadAsync_DeadlineMidEvent_FinishesEventThenDrainingEvent()
    {
        using var relay = Relay();
        await WriteAsync("data: {\"a\":");
        var first = await ReadSomeAsync(relay);
        await _deadline.CancelAsync();

        await WriteAsync("1}\n\ndata: {\"b\":2}\n\n");
        var rest = await ReadToEndAsync(relay).WaitAsync(Timeouts.Short);

        Assert.Equal("data: {\"a\":", first);
        Assert.Equal("1}\n\n" + Encoding.UTF8.GetString(DrainingEvent.Bytes), rest);
    }

    [Fact]
    public async Task ReadAsync_TinyBuffers_DrainingEventArrivesWhole()
    {
        using var relay = Relay();
        await _deadline.CancelAsync();

        var text = new StringBuilder();
        var buffer = new byte[7];
        int read;
        while ((read = await relay.ReadAsync(buffer).AsTask().WaitAsync(Timeouts.Short)) > 0)
        {
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        Assert.Equal(Encoding.UTF8.GetString(DrainingEvent.Bytes), text.ToString());
    }

    [Fact]
    public async Task Dispose_OpenedForClient_GaugeReturnsToZero()
    {
        using var collector = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(
            _services.GetRequiredService<IMeterFactory>(), EdgeMetrics.MeterName, "aicdn.sse.connections.active");
        var relay = Relay();
        Assert.Equal(1, collector.GetMeasurementSnapshot().Sum(m => m.Value));

        relay.Dispose();
        relay.Dispose();

        Assert.Equal(0, collector.GetMeasurementSnapshot().Sum(m => m.Value));
        await Task.CompletedTask;
    }

    public void Dispose()
    {
        _deadline.Dispose();
        _services.Dispose();
    }

    private CoreEventStream Relay() =>
        new(new AbortableStream(_core.Reader), _deadline.Token, _services.GetRequiredService<EdgeMetrics>(), countsAsClientStream: true, TimeProvider.System);

    private async Task WriteAsync(string text) => await _core.Writer.WriteAsync(Encoding.UTF8.GetBytes(text));

    private static async Task<string> ReadSomeAsync(Stream stream)
    {
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Timeouts.Short);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    private static async Task<string> ReadToEndAsync(Stream stream)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return text.ToString();
    }
}
