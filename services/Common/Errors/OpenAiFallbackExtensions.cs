using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace AiCdn.Common.Errors;

public static class OpenAiFallbackExtensions
{
    /// <summary>Answers any path no endpoint matched with OpenAI's 404 body instead of an empty response.</summary>
    public static IEndpointConventionBuilder MapOpenAiFallback(this IEndpointRouteBuilder app) =>
        app.MapFallback(static context =>
            OpenAiErrors.UnknownPath(context.Request.Method, context.Request.Path.Value ?? "/").ExecuteAsync(context));
}
