using Microsoft.Extensions.Options;

namespace AiCdn.Common.Warmup;

/// <summary>Reports every problem of the warm-up settings at once, naming the variable an operator sets.</summary>
public sealed class WarmupOptionsValidator : IValidateOptions<WarmupOptions>
{
    /// <summary>Beyond a minute a readiness probe (and deploy.sh, which waits 90 s) would give up first.</summary>
    public static readonly TimeSpan LongestDuration = TimeSpan.FromMinutes(1);

    public ValidateOptionsResult Validate(string? name, WarmupOptions options)
    {
        var errors = new List<string>();
        if (options.Requests is < 0 or > 100_000)
        {
            errors.Add($"Warmup:Requests (WARMUP_REQUESTS) ({options.Requests}) must be between 0 (off) and 100000.");
        }

        if (options.Concurrency is < 1 or > 64)
        {
            errors.Add($"Warmup:Concurrency ({options.Concurrency}) must be between 1 and 64.");
        }

        if (options.Requests != 0 && (options.MaxDuration <= TimeSpan.Zero || options.MaxDuration > LongestDuration))
        {
            errors.Add($"Warmup:MaxDuration (WARMUP_MAX_DURATION) ({options.MaxDuration}) must be above zero and at most {LongestDuration.TotalSeconds:0} s.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
