namespace AiCdn.Common.Routing;

/// <summary>The request id every hop logs and passes on: set by the edge, read by the core and the mock.</summary>
public static class RequestIdHeader
{
    public const string Name = "x-request-id";
}
