using System.Text.Json.Serialization;
using AiCdn.LlmMock.Auditing;
using AiCdn.LlmMock.ChatCompletions;
using AiCdn.LlmMock.Embeddings;
using AiCdn.LlmMock.Models;
using AiCdn.LlmMock.Responses;

namespace AiCdn.LlmMock;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ResponseRequest))]
[JsonSerializable(typeof(EmbeddingRequest))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelInfo))]
[JsonSerializable(typeof(RequestLogSnapshot))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, UserUsage>))]
internal sealed partial class MockJsonContext : JsonSerializerContext;
