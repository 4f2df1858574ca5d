using AiCdn.Common.Errors;
using AiCdn.Common.Warmup;

namespace AiCdn.EdgeGateway.Forwarding;

/// <summary>
/// Where the edge's own warm-up requests end: after a core was chosen, before anything is sent to
/// it. A warm-up request reaching a core would be a request the core records (or one it cannot
/// take yet, while it starts beside the edge), so the edge answers it as a core answers a key that
/// does not exist: 401 <c>invalid_api_key</c>. Every other request passes.
/// </summary>
public sealed class WarmupStopMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context) =>
        WarmupRequestFeature.Is(context) ? OpenAiErrors.InvalidApiKey().ExecuteAsync(context) : next(context);
}
