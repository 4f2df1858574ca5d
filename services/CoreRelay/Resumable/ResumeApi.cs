using AiCdn.Common.Errors;
using AiCdn.Common.Security;
using AiCdn.Common.Streams;

namespace AiCdn.CoreRelay.Resumable;

public static class ResumeApi
{
    /// <summary>
    /// <c>GET /v1/streams/{id}</c>: the events of a stream after <c>Last-Event-ID</c> (all of them without
    /// it), then the live rest. Edges route it to the core named in the stream id.
    /// </summary>
    public static IEndpointRouteBuilder MapResumeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/streams/{id}", ResumeAsync);
        return app;
    }

    /// <remarks>Only edges reach it: <c>EdgeAuthenticationMiddleware</c> guards every <c>/v1</c> path.</remarks>
    private static async Task ResumeAsync(string id, HttpContext context, StreamResumer resumer)
    {
        if (!ApiKeyHash.TryGetBearer(context.Request.Headers.Authorization, out var key))
        {
            await OpenAiErrors.MissingApiKey().ExecuteAsync(context);
            return;
        }

        var after = 0L;
        if (context.Request.Headers[StreamId.LastEventIdHeader] is { Count: > 0 } lastEventId)
        {
            if (!StreamId.TryParseEventId(lastEventId[0], out var eventStream, out after) || eventStream != id)
            {
                await StreamResumer.InvalidEventId().ExecuteAsync(context);
                return;
            }
        }
        else if (!StreamId.TryParse(id, out _))
        {
            await StreamResumer.StreamNotFound().ExecuteAsync(context);
            return;
        }

        await resumer.ResumeAsync(context, id, after, ApiKeyHash.Compute(key));
    }
}
