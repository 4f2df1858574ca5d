using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace AiCdn.Common.Errors;

public static class OpenAiFallbackExtensions
{
    /// <summary>
    /// Answers any path no endpoint matched with OpenAI's 404 body instead of an empty response,
    /// file-like paths (<c>/favicon.ico</c>, <c>/.env</c>) included: the default fallback pattern
    /// leaves those out.
    /// </summary>
    public static IEndpointConventionBuilder MapOpenAiFallback(this IEndpointRouteBuilder app) =>
        app.MapFallback("{**path}", static context =>
            OpenAiErrors.UnknownPath(context.Request.Method, context.Request.Path.Value ?? "/").ExecuteAsync(context));
}
