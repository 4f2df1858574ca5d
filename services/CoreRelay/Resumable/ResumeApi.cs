using AiCdn.Common.Errors;
using AiCdn.Common.Security;
using AiCdn.CoreRelay.Admission;
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

    private static async Task ResumeAsync(string id, HttpContext context, ClusterSignature signature, StreamResumer resumer)
    {
        if (!EdgeAuthentication.IsEdge(context, signature))
        {
            await OpenAiErrors.Forbidden("The core relay only accepts requests from AiCdn edges.").ExecuteAsync(context);
            return;
        }

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
