using AiCdn.Common.Routing;

namespace AiCdn.EdgeGateway.Telemetry;

/// <summary>
/// The request id every hop logs (<c>X-Request-Id</c>): the client's when it is a sane token, else
/// the edge's own (the trace identifier). It is echoed to the client.
/// </summary>
public static class RequestIds
{
    private const int MaxLength = 128;

    /// <summary>Settles the id on the request (so YARP forwards it) and returns it.</summary>
    public static string Apply(HttpContext context)
    {
        var headers = context.Request.Headers;
        var given = headers[RequestIdHeader.Name];
        if (given.Count == 1 && IsAcceptable(given[0]))
        {
            return given[0]!;
        }

        // Absent, repeated, overlong or odd characters (log injection): replaced by ours.
        var id = context.TraceIdentifier;
        headers[RequestIdHeader.Name] = id;
        return id;
    }

    public static bool IsAcceptable(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '/' or '+' or '='))
            {
                return false;
            }
        }

        return true;
    }
}
