using System.Text.Json.Serialization;

namespace AiCdn.Common.Errors;

/// <summary>
/// The error object OpenAI's API returns, <c>{"error":{"message","type","param","code"}}</c>.
/// Every hop answers failures in this shape so OpenAI SDKs surface them as their own exceptions.
/// </summary>
public sealed record OpenAiError(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("param"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    [property: JsonPropertyName("code"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Code);

/// <summary>The envelope around <see cref="OpenAiError"/>.</summary>
public sealed record OpenAiErrorEnvelope([property: JsonPropertyName("error")] OpenAiError Error);
