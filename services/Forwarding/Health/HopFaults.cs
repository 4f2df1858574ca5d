using System.Net.Http;
using Yarp.ReverseProxy.Forwarder;

namespace AiCdn.Forwarding.Health;

/// <summary>Which failed forwards say something about the next hop itself, rather than about the client or the request.</summary>
public static class HopFaults
{
    /// <summary>
    /// The next hop could not be reached at all: connection refused or reset while connecting, name
    /// not resolved, TLS failed. Nothing reached it, so another may be tried, and no client can cause it.
    /// </summary>
    public static bool IsUnreachable(IForwarderErrorFeature? error) =>
        error is { Error: ForwarderError.Request, Exception: { } exception } && IsUnreachable(exception);

    /// <inheritdoc cref="IsUnreachable(IForwarderErrorFeature?)"/>
    public static bool IsUnreachable(Exception exception) =>
        exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError };

    /// <summary>
    /// The next hop was reached, but its connection ended before it answered: the hop died, or the
    /// link dropped. Not a stream the hop reset on purpose (an HTTP/2 RST_STREAM, which a live hop
    /// sends for a request it will not take, and which a client's request can cause). The hop may
    /// have started the work, so another may be tried only where that work is cancelled or never
    /// charged.
    /// </summary>
    public static bool IsLostBeforeAnswer(IForwarderErrorFeature? error) =>
        error is { Error: ForwarderError.Request, Exception: { } exception } && IsLostBeforeAnswer(exception);

    /// <inheritdoc cref="IsLostBeforeAnswer(IForwarderErrorFeature?)"/>
    public static bool IsLostBeforeAnswer(Exception exception) => exception switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => true,
        HttpRequestException { InnerException: HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded } } => true,
        HttpRequestException { InnerException: IOException and not HttpIOException } => true,
        _ => false,
    };

    /// <summary>Errors on the client's side of the forward: it left, cancelled, or sent or read its body badly.</summary>
    public static bool IsClientSide(ForwarderError error) => error is
        ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
        or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
        or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient
        or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeResponseClient;
}
