using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace AiCdn.Common.Errors;

/// <summary>
/// Failures the client caused: it left, reset its stream, or sent a body too slowly or too large.
/// They are answered (where anyone is left to answer) and logged at Debug, never as server errors
/// with a stack trace: a careless or hostile client must not be able to flood the logs.
/// </summary>
public static class ClientFaults
{
    /// <remarks>
    /// An <see cref="IOException"/> that reaches the request pipeline is the client's connection or
    /// stream failing under a read or write ("The client reset the request stream" on HTTP/2, often
    /// before <see cref="HttpContext.RequestAborted"/> fires): the services' own outgoing calls fail
    /// with <see cref="HttpRequestException"/>, which they handle themselves.
    /// </remarks>
    public static bool Is(HttpContext context, Exception? exception) =>
        context.RequestAborted.IsCancellationRequested
        || exception is BadHttpRequestException or ConnectionResetException or IOException;
}
