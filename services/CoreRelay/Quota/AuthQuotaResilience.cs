using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace AiCdn.CoreRelay.Quota;

public static class AuthQuotaResilience
{
    /// <summary>
    /// Retries a decision only when no connection to auth-quota could be made (safe: the reservation id
    /// makes a repeated reserve a no-op). A slow answer is not retried: under overload, retries would
    /// multiply the load on the very service that is behind; the caller gets a prompt 503 instead.
    /// A definite answer (even 503) is never retried, so a store outage is reported at once.
    /// </summary>
    public static IHttpClientBuilder AddAuthQuotaResilience(this IHttpClientBuilder builder)
    {
        builder.AddResilienceHandler("auth-quota", pipeline => pipeline
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                Delay = TimeSpan.FromMilliseconds(25),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = static args => ValueTask.FromResult(
                    args.Outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError }),
            })
            .AddTimeout(TimeSpan.FromSeconds(2)));
        return builder;
    }
}
