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
    /// Input audio is charged by its duration: OpenAI counts user audio at one token per 100 ms
    /// (10 tokens a second; the Realtime API's cost guide, and gpt-4o's audio inputs alike). The
    /// core does not decode the audio, so it takes the duration from the size, as 16 kHz 16-bit
    /// mono PCM WAV: 32,000 bytes a second, so 3,200 bytes a token. WAV at a higher rate (24 kHz,
    /// stereo) is more bytes a second, so it is reserved more than it is charged; compressed audio
    /// (mp3) is fewer, so it is reserved less, and the origin's usage settles the difference. What
    /// matters is that a large audio part can no longer pass as a few tokens of prompt
    /// (docs/security.md).
    /// </summary>
    public const int AudioBytesPerToken = 3_200;

    /// <summary>
    /// The tokens reserved for one <c>input_audio</c> part whose base64 <c>data</c> is
    /// <paramref name="base64Length"/> characters long: its decoded size at
    /// <see cref="AudioBytesPerToken"/>, rounded up, at least one token per part (so many tiny parts
    /// cannot pass as nothing).
    /// </summary>
    public static long ForAudio(long base64Length)
    {
        var decodedBytes = base64Length / 4 * 3;
        return Math.Max(1, (decodedBytes + AudioBytesPerToken - 1) / AudioBytesPerToken);
    }

    /// <summary>
    /// The prompt, plus each of the request's completions at its limit (or
    /// <paramref name="defaultCompletion"/> when it names none). Embeddings generate nothing but
    /// their input. Clamped, so an absurd <c>n</c> is refused as too large rather than overflowing.
    /// </summary>
    public static int For(ChatRequestSummary summary, int promptTokens, PathString path, int defaultCompletion)
    {
        if (!GeneratesCompletion(summary, promptTokens, path))
        {
            return promptTokens;
        }

        var perChoice = (long)Math.Max(0, summary.MaxTokens ?? defaultCompletion);
        return (int)Math.Min(int.MaxValue, promptTokens + (perChoice * summary.Choices));
    }

    /// <summary>
    /// The request asks for a completion without naming its limit: its reservation holds
    /// <c>defaultCompletion</c> per choice, while the origin may generate up to the model's maximum.
    /// </summary>
    public static bool CompletionUnbounded(ChatRequestSummary summary, int promptTokens, PathString path) =>
        summary.MaxTokens is null && GeneratesCompletion(summary, promptTokens, path);

    private static bool GeneratesCompletion(ChatRequestSummary summary, int promptTokens, PathString path) =>
        !path.StartsWithSegments(ApiRoutes.Embeddings) && (promptTokens > 0 || summary.MaxTokens is not null);
}
