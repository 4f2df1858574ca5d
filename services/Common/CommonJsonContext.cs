using System.Text.Json.Serialization;
using AiCdn.Common.Errors;
using AiCdn.Common.Quota;
using AiCdn.Common.Streams;

namespace AiCdn.Common;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(OpenAiErrorEnvelope))]
[JsonSerializable(typeof(AuthorizeRequest))]
[JsonSerializable(typeof(AuthorizeDecision))]
[JsonSerializable(typeof(SettleRequest))]
[JsonSerializable(typeof(ExtendRequest))]
[JsonSerializable(typeof(KeyCheckRequest))]
[JsonSerializable(typeof(KeyCheckResult))]
[JsonSerializable(typeof(LostStreamReport))]
public sealed partial class CommonJsonContext : JsonSerializerContext;
