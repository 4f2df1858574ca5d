using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace AiCdn.CoreRelay.Admission;

public static class AuthQuotaResilience
{
    /// <summary>
    /// Retries a decision only when auth-quota could not be reached or did not answer in time. That is
    /// safe because the reservation id makes a repeated reserve a no-op; a definite answer (even 503)
    /// is never retried, so a store outage is reported at once instead of piling up retries.
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
                    args.Outcome.Exception is HttpRequestException or Polly.Timeout.TimeoutRejectedException),
            })
            .AddTimeout(TimeSpan.FromSeconds(2)));
        return builder;
    }
}
