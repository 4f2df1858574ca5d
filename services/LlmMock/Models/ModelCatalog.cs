namespace AiCdn.LlmMock.Models;

/// <summary>The models the mock serves and what each can do.</summary>
public sealed class ModelCatalog
{
    public const string ChatModel = "mock-gpt";
    public const string EmbeddingModel = "mock-embedding";

    // A fixed creation time keeps /v1/models byte-identical between runs.
    private const long Created = 1_735_689_600;

    private static readonly ModelInfo[] s_models =
    [
        new(ChatModel, Created, "aicdn"),
        new(EmbeddingModel, Created, "aicdn"),
    ];

    public IReadOnlyList<ModelInfo> All => s_models;

    public ModelInfo? Find(string id) => Array.Find(s_models, m => string.Equals(m.Id, id, StringComparison.Ordinal));

    public static bool IsChatModel(string id) => string.Equals(id, ChatModel, StringComparison.Ordinal);

    public static bool IsEmbeddingModel(string id) => string.Equals(id, EmbeddingModel, StringComparison.Ordinal);

    public static bool Exists(string id) => IsChatModel(id) || IsEmbeddingModel(id);
}
