using AiCdn.LlmMock.Generation;

namespace AiCdn.LlmMock.Responses;

/// <summary>One response being generated: what the request asked and what the plan will produce.</summary>
internal sealed class ResponseState(ResponseRequest request, CompletionPlan plan, CompletionGenerator generator, long createdAt)
{
    public string Id { get; } = CompletionIdentity.NewId("resp_", 24);

    public string MessageId { get; } = CompletionIdentity.NewId("msg_", 24);

    public ResponseRequest Request { get; } = request;

    public CompletionPlan Plan { get; } = plan;

    public ChoicePlan Choice => Plan.Choices[0];

    public CompletionGenerator Generator { get; } = generator;

    public long CreatedAt { get; } = createdAt;

    /// <summary>Cut off by <c>max_output_tokens</c>: OpenAI then reports the response as incomplete.</summary>
    public bool Incomplete => Choice.FinishReason == FinishReasons.Length;

    public string FinalStatus => Incomplete ? "incomplete" : "completed";
}
