using Microsoft.Extensions.Options;

namespace AiCdn.CoreRelay;

/// <summary>Reports every configuration problem at start-up, at once.</summary>
public sealed class CoreRelayOptionsValidator : IValidateOptions<CoreRelayOptions>
{
    public ValidateOptionsResult Validate(string? name, CoreRelayOptions options)
    {
        var failures = new List<string>();
        if (!OriginList.TryParse(options.Origins, options.OriginPort, out _, out var originError))
        {
            failures.Add($"CoreRelay:Origins (LLM_SOURCE_HOST): {originError}");
        }

        if (options.OriginPort is < 1 or > 65535)
        {
            failures.Add("CoreRelay:OriginPort (LLM_SOURCE_PORT) must be between 1 and 65535.");
        }

        if (!Uri.TryCreate(options.AuthQuotaUrl, UriKind.Absolute, out _))
        {
            failures.Add($"CoreRelay:AuthQuotaUrl '{options.AuthQuotaUrl}' is not an absolute URL.");
        }

        if (options.MaxRequestBodyBytes < 1024)
        {
            failures.Add("CoreRelay:MaxRequestBodyBytes must be at least 1024.");
        }

        if (options.DefaultCompletionTokenEstimate < 1)
        {
            failures.Add("CoreRelay:DefaultCompletionTokenEstimate must be at least 1.");
        }

        if (options.StreamIdleTimeout <= TimeSpan.Zero)
        {
            failures.Add("CoreRelay:StreamIdleTimeout must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
