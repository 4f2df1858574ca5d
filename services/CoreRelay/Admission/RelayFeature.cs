using AiCdn.Common.Quota;

namespace AiCdn.CoreRelay.Admission;

/// <summary>What admission learnt about a request, for the stages after it.</summary>
public sealed class RelayFeature(ChatRequestSummary summary, AuthorizeDecision decision, int estimatedPromptTokens)
{
    public ChatRequestSummary Summary { get; } = summary;

    public AuthorizeDecision Decision { get; } = decision;

    public int EstimatedPromptTokens { get; } = estimatedPromptTokens;
}
