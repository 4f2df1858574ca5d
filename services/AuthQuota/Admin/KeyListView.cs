using System.Text.Json.Serialization;

namespace AiCdn.AuthQuota.Admin;

/// <summary>A list in OpenAI's shape: <c>{"object":"list","data":[...]}</c>.</summary>
public sealed record KeyListView([property: JsonPropertyName("data")] IReadOnlyList<AdminKeyView> Data)
{
    [JsonPropertyName("object")]
    public string Object => "list";
}
