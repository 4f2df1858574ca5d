using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AiCdn.Common.Errors;

public static class OpenAiExceptionHandlerExtensions
{
    /// <summary>
    /// An unexpected exception becomes OpenAI's 500 body, with no detail of the exception: that is for
    /// the service's log only (secrets or internals must never reach a client). A response already
    /// under way is aborted instead, as there is nothing honest to add to it.
    /// </summary>
    public static IApplicationBuilder UseOpenAiErrors(this IApplicationBuilder app) =>
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = static context => OpenAiErrorResult.WriteAsync(
                context,
                StatusCodes.Status500InternalServerError,
                new OpenAiError("The server had an error while processing your request.", OpenAiErrorTypes.Server, null, "internal_error")),
        });
}
