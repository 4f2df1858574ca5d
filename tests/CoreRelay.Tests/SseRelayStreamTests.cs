using System.Text;
using AiCdn.CoreRelay.Accounting;
using AiCdn.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AiCdn.CoreRelay.Tests;

public sealed class SseRelayStreamTests
{
    private static readonly SseEventInspector s_inspector = new(TokenCounter.Default);

    private const string Role = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}";
    private const string Hello = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" Hello\"},\"finish_reason\":null}],\"usage\":null}";
    private const string World = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" world\"},\"finish_reason\":null}],\"usage\":null}";
    private const string Finish = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}";
    private const string Usage = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}";
    private const string Done = "data: [DONE]";

    private static string Stream(string separator, params string[] events) => string.Concat(events.Select(e => e + separator + separator));

    public static TheoryData<string> Separators => new() { "\n", "\r\n", "\r" };

    [Theory]
    [MemberData(nameof(Separators))]
    public async Task Read_EventsSplitAtEveryByteBoundary_RelaysWholeEventsAndAccountsUsage(string separator)
    {
        var source = Encoding.UTF8.GetBytes(Stream(separator, Role, Hello, World, Finish, Usage, Done));
        for (var split = 1; split < source.Length; split++)
        {
            var accounting = new RelayAccounting();
            var upstream = new ChunkedStream(source, [split, source.Length - split]);
            var relayed = await ReadAllAsync(new SseRelayStream(upstream, accounting, s_inspector, dropUsageOnlyChunk: false, TimeSpan.FromMinutes(1), TimeProvider.System));

            Assert.Equal(source, relayed);
            Assert.Equal(new TokenUsage(9, 2), accounting.OriginUsage);
            Assert.Equal(2, accounting.RelayedCompletionTokens);
            Assert.True(accounting.DoneSeen);
            Assert.Null(accounting.RelayFailure);
        }
    }

    [Fact]
    public async Task Read_ToolCallArguments_CountAsCompletionTokens()
    {
        const string Call = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}";
        const string Arguments = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\": \\\"Paris\\\"}\"}}]},\"finish_reason\":null}]}";
        const string Legacy = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"function_call\":{\"arguments\":\" more words here\"}},\"finish_reason\":null}]}";
        var source = Encoding.UTF8.GetBytes(Stream("\n", Role, Call, Arguments, Legacy, Finish, Done));
        var accounting = new RelayAccounting();

        var relayed = await ReadAllAsync(new SseRelayStream(new MemoryStream(source), accounting, s_inspector, dropUsageOnlyChunk: false, TimeSpan.FromMinutes(1), TimeProvider.System));

        // Without the origin's usage a cut stream is charged what was relayed: the arguments too.
        Assert.Equal(source, relayed);
        Assert.Equal(TokenCounter.Default.Count("{\"city\": \"Paris\"}") + TokenCounter.Default.Count(" more words here"), accounting.RelayedCompletionTokens);
        Assert.True(accounting.RelayedCompletionTokens >= 8);
    }

    [Fact]
    public async Task Read_BudgetRefused_EndsWithQuotaExhaustedBeforeTheFirstUncoveredToken()
    {
        var source = Encoding.UTF8.GetBytes(Stream("\n", Role, Hello, World, Hello, World, Finish, Done));
        var asked = new List<long>();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new AiCdn.CoreRelay.Telemetry.CoreRelayMetrics(
            services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), Microsoft.Extensions.Options.Options.Create(new CoreRelayOptions()));
        var accounting = new RelayAccounting
        {
            // Room for one token, one more granted, then refused.
            Budget = new TokenBudget(1, 1, (tokens, _) =>
            {
                asked.Add(tokens);
                return Task.FromResult(asked.Count == 1 ? ExtensionResult.Extended : ExtensionResult.Refused);
            }, metrics),
        };

        var relayed = Encoding.UTF8.GetString(await ReadAllAsync(new SseRelayStream(new MemoryStream(source), accounting, s_inspector, dropUsageOnlyChunk: false, TimeSpan.FromMinutes(1), TimeProvider.System)));

        Assert.Equal([1L, 1L], asked);
        Assert.Equal(2, accounting.RelayedCompletionTokens);
        Assert.Equal(SseEventReader.QuotaExhausted, accounting.RelayFailure);
        Assert.StartsWith(Stream("\n", Role, Hello, World), relayed, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"quota_exhausted\"", relayed, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", relayed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_OneByteAtATime_RelaysEveryByteInOrder()
    {
        var source = Encoding.UTF8.GetBytes(Stream("\n", Role, Hello, World, Finish, Usage, Done));
        var accounting = new RelayAccounting();
        var upstream = new ChunkedStream(source, Enumerable.Repeat(1, source.Length).ToArray());

        var relayed = await ReadAllAsync(new SseRelayStream(upstream, accounting, s_inspector, dropUsageOnlyChunk: false, TimeSpan.FromMinutes(1), TimeProvider.System));

        Assert.Equal(source, relayed);
        Assert.Equal(new TokenUsage(9, 2), accounting.OriginUsage);
    }

    [Fact]
    public async Task Read_WhenCoreAskedForUsage_DropsOnlyTheUsageChunk()
    {
        var source = Encoding.UTF8.GetBytes(Stream("\n", Role, Hello, World, Finish, Usage, Done));
        var accounting = new RelayAccounting();

        var relayed = Encoding.UTF8.GetString(await ReadAllAsync(new SseRelayStream(new MemoryStream(source), accounting, s_inspector, dropUsageOnlyChunk: true, TimeSpan.FromMinutes(1), TimeProvider.System)));

        Assert.Equal(Stream("\n", Role, Hello, World, Finish, Done), relayed);
        Assert.Equal(new TokenUsage(9, 2), accounting.OriginUsage);
    }

    [Fact]
    public async Task Read_OriginAbortsMidStream_EndsWithErrorEventAndNoDone()
    {
        var source = Encoding.UTF8.GetBytes(Stream("\n", Role, Hello) + "data: {\"id\":\"c1\",\"cho");
        var accounting = new RelayAccounting();
        var upstream = new ChunkedStream(source, [source.Length], failAtEnd: true);

        var relayed = Encoding.UTF8.GetString(await ReadAllAsync(new SseRelayStream(upstream, accounting, s_inspector, dropUsageOnlyChunk: false, TimeSpan.FromMinutes(1), TimeProvider.System)));

        Assert.StartsWith(Stream("\n", Role, Hello) + "data: {\"error\":", relayed);
        Assert.Contains("\"code\":\"upstream_aborted\"", relayed);
        Assert.DoesNotContain("[DONE]", relayed);
        Assert.EndsWith("\n\n", relayed);
        Assert.Equal("upstream_aborted", accounting.RelayFailure);
        Assert.Equal(1, accounting.RelayedCompletionTokens);
    }

    [Fact]
    public async Task Read_OriginEndsWithoutFinishing_EndsWithIncompleteError()
    {
        var source = Encoding.UTF8.GetBytes(Stream("\n", Role, Hello));
        var accounting = new RelayAccounting();

        var relayed = Encoding.UTF8.GetString(await ReadAllAsync(new SseRelayStream(new MemoryStream(source), accounting, s_inspector, dropUsageOnlyChunk: false, TimeSpan.FromMinutes(1), TimeProvider.System)));

        Assert.Contains("\"code\":\"upstream_incomplete\"", relayed);
        Assert.Equal("upstream_incomplete", accounting.RelayFailure);
    }

    [Fact]
    public async Task Read_OriginSilentLongerThanIdleTimeout_EndsWithIdleTimeoutError()
    {
        var time = new FakeTimeProvider();
        var accounting = new RelayAccounting();
        var upstream = new StallingStream(Encoding.UTF8.GetBytes(Stream("\n", Role, Hello)));
        using var relay = new SseRelayStream(upstream, accounting, s_inspector, dropUsageOnlyChunk: false, TimeSpan.FromSeconds(30), time);

        var buffer = new byte[64 * 1024];
        var first = await relay.ReadAsync(buffer);
        Assert.True(first > 0);

        var pending = relay.ReadAsync(buffer).AsTask();
        await Testing.Wait.UntilAsync(() => upstream.Waiting, TimeSpan.FromSeconds(10), "the relay waits on the silent origin");
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(31));

        var read = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        var text = Encoding.UTF8.GetString(buffer, 0, read);
        Assert.Contains("\"code\":\"upstream_idle_timeout\"", text);
        Assert.Equal(0, await relay.ReadAsync(buffer));
    }

    [Fact]
    public async Task Read_ResponsesApiStream_AccountsDeltasAndCompletedUsage()
    {
        var source = Encoding.UTF8.GetBytes(
            "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\" Hello\"}\n\n" +
            "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"usage\":{\"input_tokens\":7,\"output_tokens\":1,\"total_tokens\":8}}}\n\n");
        var accounting = new RelayAccounting();

        var relayed = await ReadAllAsync(new SseRelayStream(new MemoryStream(source), accounting, s_inspector, dropUsageOnlyChunk: false, TimeSpan.FromMinutes(1), TimeProvider.System));

        Assert.Equal(source, relayed);
        Assert.Equal(new TokenUsage(7, 1), accounting.OriginUsage);
        Assert.Equal(1, accounting.RelayedCompletionTokens);
        Assert.Null(accounting.RelayFailure);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        await using (stream)
        {
            var output = new MemoryStream();
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                output.Write(buffer, 0, read);
            }

            return output.ToArray();
        }
    }

    /// <summary>Returns the source in reads of the given sizes, optionally failing like a reset connection at the end.</summary>
    private sealed class ChunkedStream(byte[] source, int[] sizes, bool failAtEnd = false) : Stream
    {
        private int _position;
        private int _next;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => source.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                return ValueTask.FromResult(0);
            }

            if (_position >= source.Length)
            {
                return failAtEnd ? ValueTask.FromException<int>(new IOException("connection reset")) : ValueTask.FromResult(0);
            }

            var size = _next < sizes.Length ? sizes[_next++] : source.Length - _position;
            var count = Math.Min(Math.Min(size, buffer.Length), source.Length - _position);
            source.AsSpan(_position, count).CopyTo(buffer.Span);
            _position += count;
            return ValueTask.FromResult(count);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Returns its bytes, then waits forever (until cancelled), like an origin that stalls.</summary>
    private sealed class StallingStream(byte[] first) : Stream
    {
        private bool _sent;

        public volatile bool Waiting;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_sent && !buffer.IsEmpty)
            {
                _sent = true;
                first.CopyTo(buffer);
                return first.Length;
            }

            Waiting = true;
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
