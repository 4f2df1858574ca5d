using AiCdn.Common.Routing;
using AiCdn.Common.Security;
using Microsoft.Extensions.Options;

namespace AiCdn.LlmMock.Auditing;

/// <summary>
/// Counts every request the origin sees and keeps the last few in a ring, cheaply: one interlocked
/// increment, one small record, and a key digest computed once per distinct Authorization header
/// value in a row (the core relay sends the same origin key on every request).
/// </summary>
public sealed class RequestLog
{
    private const int MaxPathLength = 256;
    private const int MaxRequestIdLength = 128;

    private readonly RequestRecord?[] _ring;
    private readonly long[] _counts = new long[Enum.GetValues<MockRoute>().Length];
    private readonly TimeProvider _time;
    private long _sequence;
    private long _clearedAt;
    private CachedDigest? _lastDigest;

    public RequestLog(IOptions<MockOptions> options, TimeProvider time)
    {
        _ring = new RequestRecord?[options.Value.RequestLogCapacity];
        _time = time;
    }

    public int Capacity => _ring.Length;

    public RequestRecord Record(HttpRequest request, MockRoute route)
    {
        Interlocked.Increment(ref _counts[(int)route]);
        var sequence = Interlocked.Increment(ref _sequence);
        var path = request.Path.Value ?? "/";
        var requestId = request.Headers[RequestIdHeader.Name].ToString();
        var record = new RequestRecord(
            sequence,
            _time.GetUtcNow(),
            request.Method,
            path.Length <= MaxPathLength ? path : path[..MaxPathLength],
            RouteName(route),
            KeyDigest(request.Headers.Authorization.ToString()),
            requestId.Length == 0 ? null : requestId.Length <= MaxRequestIdLength ? requestId : requestId[..MaxRequestIdLength]);
        _ring[(sequence - 1) % _ring.Length] = record;
        return record;
    }

    public RequestLogSnapshot Snapshot()
    {
        var last = Interlocked.Read(ref _sequence);
        var first = Math.Max(Interlocked.Read(ref _clearedAt), last - _ring.Length) + 1;
        var recent = new List<RequestRecord>((int)Math.Max(0, last - first + 1));
        for (var sequence = first; sequence <= last; sequence++)
        {
            // A slot may already hold a newer request, or not yet hold this one; skip it then.
            if (_ring[(sequence - 1) % _ring.Length] is { } record && record.Sequence == sequence)
            {
                recent.Add(record);
            }
        }

        long Count(MockRoute route) => Interlocked.Read(ref _counts[(int)route]);
        var total = 0L;
        foreach (var route in Enum.GetValues<MockRoute>())
        {
            total += Count(route);
        }

        return new RequestLogSnapshot(
            total,
            Count(MockRoute.ChatCompletions),
            Count(MockRoute.Responses),
            Count(MockRoute.Embeddings),
            Count(MockRoute.Models),
            Count(MockRoute.Other),
            recent);
    }

    /// <summary>Forgets everything seen so far, so a test can count its own requests.</summary>
    public void Clear()
    {
        Interlocked.Exchange(ref _clearedAt, Interlocked.Read(ref _sequence));
        for (var i = 0; i < _counts.Length; i++)
        {
            Interlocked.Exchange(ref _counts[i], 0);
        }
    }

    public static string RouteName(MockRoute route) => route switch
    {
        MockRoute.ChatCompletions => "chat_completions",
        MockRoute.Responses => "responses",
        MockRoute.Embeddings => "embeddings",
        MockRoute.Models => "models",
        _ => "other",
    };

    /// <summary>The SHA-256 of the bearer key (of the whole header when it is not a bearer), or null without one.</summary>
    public string? KeyDigest(string authorization)
    {
        if (authorization.Length == 0)
        {
            return null;
        }

        var cached = _lastDigest;
        if (cached is not null && string.Equals(cached.Header, authorization, StringComparison.Ordinal))
        {
            return cached.Digest;
        }

        var digest = ApiKeyHash.TryGetBearer(authorization, out var key) ? ApiKeyHash.Compute(key) : ApiKeyHash.Compute(authorization);
        _lastDigest = new CachedDigest(authorization, digest);
        return digest;
    }

    private sealed record CachedDigest(string Header, string Digest);
}
