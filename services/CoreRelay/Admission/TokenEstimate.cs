using AiCdn.Common.Routing;

namespace AiCdn.CoreRelay.Admission;

/// <summary>What a reservation holds until the origin's usage settles it.</summary>
public static class TokenEstimate
{
    /// <summary>
    /// The least an image in a prompt costs: OpenAI charges 85 tokens for an image at low detail
    /// (gpt-4o) and more at high detail or on other models. Counted per <c>image_url</c> part, so
    /// thousands of tiny image parts cannot pass as a few tokens of prompt.
    /// </summary>
    public const int MinimumImageTokens = 85;

    /// <summary>
    /// The prompt, plus each of the request's completions at its limit (or
    /// <paramref name="defaultCompletion"/> when it names none). Embeddings generate nothing but
    /// their input. Clamped, so an absurd <c>n</c> is refused as too large rather than overflowing.
    /// </summary>
    public static int For(ChatRequestSummary summary, int promptTokens, PathString path, int defaultCompletion)
    {
        var asksForCompletion = promptTokens > 0 || summary.MaxTokens is not null;
        if (path.StartsWithSegments(ApiRoutes.Embeddings) || !asksForCompletion)
        {
            return promptTokens;
        }

        var perChoice = (long)Math.Max(0, summary.MaxTokens ?? defaultCompletion);
        return (int)Math.Min(int.MaxValue, promptTokens + (perChoice * summary.Choices));
    }
}
