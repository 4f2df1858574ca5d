using System.Runtime.InteropServices;
using System.Security.Cryptography;
using AiCdn.Common.Errors;
using AiCdn.Common.Security;
using AiCdn.LlmMock.Auditing;
using AiCdn.LlmMock.Telemetry;
using Microsoft.Extensions.Options;

namespace AiCdn.LlmMock.Gate;

/// <summary>
/// The mock's front door for the OpenAI API: records every request in the <see cref="RequestLog"/>
/// (rejected ones too, so a test can prove which key reached the origin), checks the origin key
/// when <see cref="MockOptions.RequiredApiKey"/> is set, and measures the request.
/// Health, metrics and <c>/mock</c> diagnostics pass straight through.
/// </summary>
public sealed class OriginGateMiddleware(
    RequestDelegate next,
    RequestLog log,
    LlmMockMetrics metrics,
    IOptions<MockOptions> options,
    TimeProvider time,
    ILogger<OriginGateMiddleware> logger)
{
    private readonly string? _requiredDigest = options.Value.RequiredApiKey is { } key ? ApiKeyHash.Compute(key) : null;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path;
        if (path.StartsWithSegments("/health") || path.StartsWithSegments("/alive")
            || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/mock"))
        {
            await next(context);
            return;
        }

        var started = time.GetTimestamp();
        var route = Classify(path);
        var record = log.Record(request, route);
        if (_requiredDigest is not null && path.StartsWithSegments("/v1") && !KeyMatches(request, record.KeySha256))
        {
            Log.KeyRejected(logger, path);
            await OpenAiErrors.InvalidApiKey().ExecuteAsync(context);
        }
        else
        {
            await next(context);
        }

        var status = context.Response.StatusCode;
        var result = context.RequestAborted.IsCancellationRequested ? "aborted" : status < 400 ? "ok" : "error";
        metrics.Request(RequestLog.RouteName(route), status, result, time.GetElapsedTime(started));
    }

    private bool KeyMatches(HttpRequest request, string? digest) =>
        digest is not null
        && ApiKeyHash.TryGetBearer(request.Headers.Authorization.ToString(), out _)
        && CryptographicOperations.FixedTimeEquals(
            MemoryMarshal.AsBytes(digest.AsSpan()),
            MemoryMarshal.AsBytes(_requiredDigest.AsSpan()));

    private static MockRoute Classify(PathString path)
    {
        if (path.StartsWithSegments("/v1/chat/completions"))
        {
            return MockRoute.ChatCompletions;
        }

        if (path.StartsWithSegments("/v1/responses"))
        {
            return MockRoute.Responses;
        }

        if (path.StartsWithSegments("/v1/embeddings"))
        {
            return MockRoute.Embeddings;
        }

        return path.StartsWithSegments("/v1/models") ? MockRoute.Models : MockRoute.Other;
    }
}
