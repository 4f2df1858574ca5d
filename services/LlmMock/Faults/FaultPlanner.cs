using AiCdn.Common.Errors;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace AiCdn.LlmMock.Faults;

/// <summary>
/// Decides each request's faults: its <c>x-mock-fault</c> header when present, otherwise one roll of
/// the injected <see cref="Random"/> against the configured rates (seeded, so runs can be replayed).
/// </summary>
public sealed class FaultPlanner
{
    private readonly FaultOptions _options;
    private readonly Random _random;
    private readonly Lock _gate = new();

    public FaultPlanner(IOptions<MockOptions> options, Random random)
    {
        _options = options.Value.Faults;
        _random = random;
    }

    public bool TryPlan(StringValues header, out FaultPlan plan, out OpenAiErrorResult? error)
    {
        error = null;
        if (header.Count > 0)
        {
            if (FaultPlan.TryParse(header.ToString(), _options, out plan, out var problem))
            {
                return true;
            }

            error = OpenAiErrors.InvalidParameter(FaultPlan.HeaderName, problem!);
            return false;
        }

        plan = Roll();
        return true;
    }

    /// <summary>One roll against the configured rates; at most one fault.</summary>
    public FaultPlan Roll()
    {
        var options = _options;
        if (options.TotalRate <= 0)
        {
            return FaultPlan.None;
        }

        double roll;
        lock (_gate)
        {
            // Random is not thread-safe; the lock keeps the seeded sequence intact under concurrency.
            roll = _random.NextDouble();
        }

        if ((roll -= options.Status429Rate) < 0)
        {
            return new FaultPlan { Status = 429, RetryAfterSeconds = options.RetryAfterSeconds };
        }

        if ((roll -= options.Status500Rate) < 0)
        {
            return new FaultPlan { Status = 500 };
        }

        if ((roll -= options.Status503Rate) < 0)
        {
            return new FaultPlan { Status = 503, RetryAfterSeconds = options.RetryAfterSeconds };
        }

        if ((roll -= options.AbortRate) < 0)
        {
            return new FaultPlan { AbortAfterChunks = options.AbortAfterChunks };
        }

        if ((roll -= options.StallRate) < 0)
        {
            return new FaultPlan { StallAfterChunks = options.StallAfterChunks, Stall = TimeSpan.FromMilliseconds(options.StallMs) };
        }

        if ((roll -= options.MalformedRate) < 0)
        {
            return new FaultPlan { MalformedAfterChunks = options.MalformedAfterChunks };
        }

        if ((roll -= options.SlowFirstByteRate) < 0)
        {
            return new FaultPlan { SlowFirstByte = TimeSpan.FromMilliseconds(options.SlowFirstByteMs) };
        }

        return FaultPlan.None;
    }
}
