using System.Text.Json.Serialization;

namespace AiCdn.LlmMock.Auditing;

/// <summary>
/// One request as the origin saw it. The key appears only as its SHA-256 digest (lower-case hex,
/// the same as <c>ApiKeyHash</c>), enough to prove which key arrived without keeping the key.
/// </summary>
public sealed record RequestRecord(
    [property: JsonPropertyName("seq")] long Sequence,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("route")] string Route,
    [property: JsonPropertyName("key_sha256")] string? KeySha256,
    [property: JsonPropertyName("request_id")] string? RequestId);
