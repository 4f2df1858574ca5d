using Microsoft.Extensions.Options;

namespace AiCdn.LlmMock;

/// <summary>Checks the whole of <see cref="MockOptions"/> at start-up and reports every problem at once.</summary>
public sealed class MockOptionsValidator : IValidateOptions<MockOptions>
{
    /// <summary>The longest delay any setting or header may ask for: 10 minutes.</summary>
    public const int MaxDelayMs = 600_000;

    public ValidateOptionsResult Validate(string? name, MockOptions options)
    {
        var problems = new List<string>();
        Range(problems, "Mock:TimeToFirstTokenMs", options.TimeToFirstTokenMs, 0, MaxDelayMs);
        Range(problems, "Mock:TokenIntervalMs", options.TokenIntervalMs, 0, MaxDelayMs);
        Range(problems, "Mock:MaxCompletionTokens", options.MaxCompletionTokens, 1, 1_000_000);
        Range(problems, "Mock:DefaultCompletionTokens", options.DefaultCompletionTokens, 1, options.MaxCompletionTokens);
        Range(problems, "Mock:RequestLogCapacity", options.RequestLogCapacity, 1, 100_000);
        if (options.RequiredApiKey is { } key && (key.Length == 0 || key.Trim() != key))
        {
            // Never echo the key itself: validation messages end up in logs.
            problems.Add("Mock:RequiredApiKey must be non-empty and have no surrounding white space.");
        }

        var faults = options.Faults;
        if (faults is null)
        {
            problems.Add("Mock:Faults must not be null.");
        }
        else
        {
            Rate(problems, "Status429Rate", faults.Status429Rate);
            Rate(problems, "Status500Rate", faults.Status500Rate);
            Rate(problems, "Status503Rate", faults.Status503Rate);
            Rate(problems, "AbortRate", faults.AbortRate);
            Rate(problems, "StallRate", faults.StallRate);
            Rate(problems, "MalformedRate", faults.MalformedRate);
            Rate(problems, "SlowFirstByteRate", faults.SlowFirstByteRate);
            if (faults.TotalRate > 1.0 + 1e-9)
            {
                problems.Add($"The Mock:Faults rates add up to {faults.TotalRate:0.###}; one roll picks at most one fault per request, so they must add up to at most 1.");
            }

            Range(problems, "Mock:Faults:AbortAfterChunks", faults.AbortAfterChunks, 0, int.MaxValue);
            Range(problems, "Mock:Faults:StallAfterChunks", faults.StallAfterChunks, 0, int.MaxValue);
            Range(problems, "Mock:Faults:StallMs", faults.StallMs, 0, MaxDelayMs);
            Range(problems, "Mock:Faults:MalformedAfterChunks", faults.MalformedAfterChunks, 0, int.MaxValue);
            Range(problems, "Mock:Faults:SlowFirstByteMs", faults.SlowFirstByteMs, 0, MaxDelayMs);
            Range(problems, "Mock:Faults:RetryAfterSeconds", faults.RetryAfterSeconds, 0, 86_400);
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void Range(List<string> problems, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            problems.Add($"{key} is {value}; it must be between {min} and {max}.");
        }
    }

    private static void Rate(List<string> problems, string key, double value)
    {
        if (double.IsNaN(value) || value < 0 || value > 1)
        {
            problems.Add($"Mock:Faults:{key} is {value}; it must be a probability between 0 and 1.");
        }
    }
}
