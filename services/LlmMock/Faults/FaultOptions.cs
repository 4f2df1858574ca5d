namespace AiCdn.LlmMock.Faults;

/// <summary>
/// Faults injected into a share of requests (<c>Mock:Faults:*</c>). Each rate is a probability in
/// [0, 1]; one roll per request picks at most one fault, so the rates must add up to at most 1.
/// A request's own <c>x-mock-fault</c> header always wins over the rates.
/// </summary>
public sealed class FaultOptions
{
    /// <summary>Seed of the fault roll, so a run's sequence of faults can be replayed; random when unset.</summary>
    public int? Seed { get; set; }

    public double Status429Rate { get; set; }

    public double Status500Rate { get; set; }

    public double Status503Rate { get; set; }

    /// <summary>Connection reset after <see cref="AbortAfterChunks"/> content chunks.</summary>
    public double AbortRate { get; set; }

    /// <summary>A pause of <see cref="StallMs"/> after <see cref="StallAfterChunks"/> content chunks.</summary>
    public double StallRate { get; set; }

    /// <summary>One chunk of broken JSON after <see cref="MalformedAfterChunks"/> content chunks.</summary>
    public double MalformedRate { get; set; }

    /// <summary>Response headers held back for <see cref="SlowFirstByteMs"/>.</summary>
    public double SlowFirstByteRate { get; set; }

    public int AbortAfterChunks { get; set; } = 5;

    public int StallAfterChunks { get; set; } = 3;

    public int StallMs { get; set; } = 2_000;

    public int MalformedAfterChunks { get; set; } = 2;

    public int SlowFirstByteMs { get; set; } = 1_500;

    /// <summary><c>Retry-After</c> sent with 429 and 503 faults that do not name their own.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    public double TotalRate =>
        Status429Rate + Status500Rate + Status503Rate + AbortRate + StallRate + MalformedRate + SlowFirstByteRate;
}
