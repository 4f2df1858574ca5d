using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiCdn.EdgeGateway.WebSockets;
using BenchmarkDotNet.Attributes;

namespace AiCdn.Relay.Benchmarks;

/// <summary>
/// What one chat-socket message costs the edge before the key or any limit is checked: turning it
/// into the core's request. The baseline is what the edge did until 2026-12-07 (a JsonNode tree of
/// the whole message, written out again); <see cref="ChatRequestMessages.TryRead"/> scans it once
/// and copies each top-level value as it stands.
/// </summary>
[MemoryDiagnoser]
public class WebSocketMessageBenchmarks
{
    private byte[] _message = [];

    /// <summary>An ordinary request, and the body limit (4 MiB) filled with empty objects in one message's content.</summary>
    [Params("short", "4MiB-of-objects")]
    public string Message { get; set; } = "short";

    [GlobalSetup]
    public void Setup()
    {
        const string Start = """{"id":"q1","model":"m","messages":[{"role":"user","content":[""";
        const string End = "]}]}";
        _message = Message == "short"
            ? """{"id":"q1","model":"m","messages":[{"role":"user","content":"Say hello in three words."}],"max_tokens":16}"""u8.ToArray()
            : Encoding.UTF8.GetBytes(Start + string.Join(',', Enumerable.Repeat("{}", (4 * 1024 * 1024 - Start.Length - End.Length) / 3)) + End);
    }

    [Benchmark(Baseline = true)]
    public int JsonNodeTree()
    {
        var root = (JsonObject)JsonNode.Parse(_message, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false })!;
        root.Remove("id");
        root["stream"] = true;
        var buffer = new ArrayBufferWriter<byte>(_message.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            root.WriteTo(writer);
        }

        return buffer.WrittenCount;
    }

    [Benchmark]
    public int ScanAndCopy() => ChatRequestMessages.TryRead(_message, out var request, out _) ? request!.Body!.Length : 0;
}
