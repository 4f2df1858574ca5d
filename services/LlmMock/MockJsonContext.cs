using System.Text.Json.Serialization;
using AiCdn.LlmMock.ChatCompletions;
using AiCdn.LlmMock.Models;

namespace AiCdn.LlmMock;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelInfo))]
internal sealed partial class MockJsonContext : JsonSerializerContext;
