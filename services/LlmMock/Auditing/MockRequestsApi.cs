using Microsoft.AspNetCore.Http.HttpResults;

namespace AiCdn.LlmMock.Auditing;

/// <summary>
/// <c>/mock/requests</c>: what the origin has seen, for tests that must prove how many requests
/// reached it and with which key (digests only); <c>/mock/usage</c>: what it produced per <c>user</c>. Not under <c>/v1</c>, so no origin key is needed.
/// </summary>
public static class MockRequestsApi
{
    public const string Route = "/mock/requests";

    /// <summary><c>/mock/usage</c>: the tokens produced per request <c>user</c> (<see cref="UsageLedger"/>).</summary>
    public const string UsageRoute = "/mock/usage";

    public static IEndpointRouteBuilder MapMockRequestsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(Route);
        api.MapGet("/", (RequestLog log) => TypedResults.Ok(log.Snapshot()));
        api.MapDelete("/", NoContent (RequestLog log) =>
        {
            log.Clear();
            return TypedResults.NoContent();
        });

        var usage = app.MapGroup(UsageRoute);
        usage.MapGet("/", (UsageLedger ledger) => TypedResults.Ok(ledger.Snapshot()));
        usage.MapDelete("/", NoContent (UsageLedger ledger) =>
        {
            ledger.Clear();
            return TypedResults.NoContent();
        });
        return app;
    }
}
