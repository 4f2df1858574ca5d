using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AiCdn.Common.Errors;

public static partial class OpenAiExceptionHandlerExtensions
{
    /// <summary>
    /// An unexpected exception becomes OpenAI's 500 body, with no detail of the exception: that is for
    /// the service's log only (secrets or internals must never reach a client). A response already
    /// under way is aborted instead, as there is nothing honest to add to it. A failure the client
    /// caused (<see cref="ClientFaults"/>) is not a server error: a client still there gets the
    /// status it earned (408 for a body sent too slowly, 413, 400), and the log a Debug line.
    /// </summary>
    /// <remarks>
    /// Errors the framework answers with no body at all (405 for a method a route does not take,
    /// 400 for a request it could not bind) get OpenAI's body too.
    /// </remarks>
    public static IApplicationBuilder UseOpenAiErrors(this IApplicationBuilder app) =>
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = HandleAsync,
            SuppressDiagnosticsCallback = static context => ClientFaults.Is(context.HttpContext, context.Exception),
        })
        .UseStatusCodePages(static context => WriteBareStatusAsync(context.HttpContext));

    private static Task WriteBareStatusAsync(HttpContext context)
    {
        var status = context.Response.StatusCode;
        var error = status switch
        {
            StatusCodes.Status404NotFound => OpenAiErrors.UnknownPath(context.Request.Method, context.Request.Path.Value ?? "/").Error,
            StatusCodes.Status405MethodNotAllowed => new OpenAiError($"{Truncate(context.Request.Method)} is not allowed on {Truncate(context.Request.Path.Value)}.", OpenAiErrorTypes.InvalidRequest, null, "method_not_allowed"),
            StatusCodes.Status415UnsupportedMediaType => new OpenAiError("Unsupported Content-Type: this endpoint takes JSON (Content-Type: application/json).", OpenAiErrorTypes.InvalidRequest, null, "unsupported_media_type"),
            >= 500 => new OpenAiError("The server had an error while processing your request.", OpenAiErrorTypes.Server, null, "internal_error"),
            _ => new OpenAiError("The request could not be processed.", OpenAiErrorTypes.InvalidRequest, null, "invalid_request"),
        };
        return OpenAiErrorResult.WriteAsync(context, status, error);
    }

    private static string Truncate(string? value) => value is { Length: > 100 } ? value[..100] + "…" : value ?? "/";

    private static async Task HandleAsync(HttpContext context)
    {
        try
        {
            await AnswerAsync(context);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client left while its error was being written: nobody to tell.
        }
    }

    private static Task AnswerAsync(HttpContext context)
    {
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (!ClientFaults.Is(context, exception))
        {
            return OpenAiErrorResult.WriteAsync(
                context,
                StatusCodes.Status500InternalServerError,
                new OpenAiError("The server had an error while processing your request.", OpenAiErrorTypes.Server, null, "internal_error"));
        }

        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClientFaults));
        LogClientFault(logger, context.Request.Method, context.Request.Path.Value ?? "/", exception?.GetType().Name ?? "-", exception?.Message ?? "-");
        if (context.RequestAborted.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        var status = exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest;
        var error = status switch
        {
            StatusCodes.Status408RequestTimeout => new OpenAiError("The request body arrived too slowly.", OpenAiErrorTypes.InvalidRequest, null, "request_timeout"),
            StatusCodes.Status413PayloadTooLarge => new OpenAiError("The request body is too large.", OpenAiErrorTypes.InvalidRequest, null, "request_too_large"),
            _ => new OpenAiError("The request could not be read.", OpenAiErrorTypes.InvalidRequest, null, "invalid_request"),
        };
        return OpenAiErrorResult.WriteAsync(context, status, error);
    }

    [LoggerMessage(EventId = 902, EventName = "ClientFault", Level = LogLevel.Debug, Message = "{Method} {Path} ended by the client: {ExceptionType}: {Reason}")]
    private static partial void LogClientFault(ILogger logger, string method, string path, string exceptionType, string reason);
}
