namespace AiCdn.LlmMock.Auditing;

/// <summary>The few request kinds the audit counts; anything else is <see cref="Other"/>, so counts stay bounded.</summary>
public enum MockRoute
{
    ChatCompletions,
    Responses,
    Embeddings,
    Models,
    Other,
}
