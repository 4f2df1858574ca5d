using AiCdn.Tokens;
using Microsoft.Extensions.Options;

namespace AiCdn.LlmMock.Generation;

/// <summary>Turns what a request asked (limit, n, stop, headers) into a <see cref="CompletionPlan"/>.</summary>
public sealed class CompletionPlanner(CompletionGenerator generator, IOptions<MockOptions> options)
{
    public CompletionGenerator Generator { get; } = generator;

    /// <param name="limit">The request's token limit per choice (<c>max_tokens</c>, <c>max_output_tokens</c>), if any.</param>
    public CompletionPlan Plan(string model, IReadOnlyList<ChatPromptMessage> messages, int? limit, int n, IReadOnlyList<string>? stops, Pacing pacing)
    {
        var settings = options.Value;

        // With a limit and no override the completion is exactly the limit long, cut off ("length"),
        // which lets tests predict usage from the request alone. x-mock-tokens sets a natural end
        // ("stop") that a smaller limit still cuts.
        int count;
        string finish;
        if (pacing.ForcedTokens is { } forced)
        {
            var cut = limit is { } l && l < forced;
            count = cut ? limit!.Value : forced;
            finish = cut ? FinishReasons.Length : FinishReasons.Stop;
        }
        else if (limit is { } max)
        {
            count = max;
            finish = FinishReasons.Length;
        }
        else
        {
            count = settings.DefaultCompletionTokens;
            finish = FinishReasons.Stop;
        }

        if (count > settings.MaxCompletionTokens)
        {
            count = settings.MaxCompletionTokens;
            finish = FinishReasons.Length;
        }

        var fingerprint = CompletionGenerator.Fingerprint(model, messages);
        var choices = new ChoicePlan[n];
        for (var i = 0; i < n; i++)
        {
            choices[i] = Generator.Choice(i, Generator.OffsetFor(fingerprint, i), count, finish, stops);
        }

        return new CompletionPlan(choices, Generator.Tokens.CountChatPrompt(messages), pacing);
    }
}
