using System.Text.Json;
using AiCdn.Tokens;

namespace AiCdn.LlmMock.Embeddings;

/// <summary>
/// Deterministic unit vectors from an input's o200k_base tokens by signed feature hashing: each
/// token adds ±1 to a few hashed dimensions. The same text always gives the same vector, and texts
/// sharing tokens point in similar directions, so similarity search over them behaves sensibly.
/// </summary>
public sealed class EmbeddingGenerator(TokenCounter tokens)
{
    public const int DefaultDimensions = 1536;
    public const int MaxInputs = 2048;
    public const int MaxInputTokens = 8192;

    private const int DimensionsPerToken = 4;

    public TokenCounter Tokens { get; } = tokens;

    /// <summary>Reads <c>input</c> into one token-id list per input; false with a reason when it is malformed.</summary>
    public bool TryReadInputs(JsonElement input, out List<IReadOnlyList<int>> inputs, out string? problem)
    {
        inputs = [];
        problem = null;
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                return TryAddText(input.GetString(), inputs, out problem);
            case JsonValueKind.Array when input.GetArrayLength() == 0:
                problem = "Invalid 'input': it must not be empty.";
                return false;
            case JsonValueKind.Array when input[0].ValueKind == JsonValueKind.Number:
                return TryAddIds(input, inputs, out problem);
            case JsonValueKind.Array:
                if (input.GetArrayLength() > MaxInputs)
                {
                    problem = $"Invalid 'input': at most {MaxInputs} inputs are allowed per request.";
                    return false;
                }

                foreach (var item in input.EnumerateArray())
                {
                    var ok = item.ValueKind switch
                    {
                        JsonValueKind.String => TryAddText(item.GetString(), inputs, out problem),
                        JsonValueKind.Array => TryAddIds(item, inputs, out problem),
                        _ => Fail("Invalid 'input': expected strings or arrays of token ids.", out problem),
                    };
                    if (!ok)
                    {
                        return false;
                    }
                }

                return true;
            default:
                return Fail("Invalid 'input': expected a string, an array of strings or an array of token ids.", out problem);
        }
    }

    /// <summary>The unit vector of one input, in <paramref name="dimensions"/> dimensions.</summary>
    public float[] Embed(IReadOnlyList<int> ids, int dimensions)
    {
        var vector = new float[dimensions];
        foreach (var id in ids)
        {
            for (var k = 0; k < DimensionsPerToken; k++)
            {
                var hash = Mix(((ulong)(uint)id * DimensionsPerToken) + (ulong)k);
                vector[(int)(hash % (ulong)dimensions)] += (hash >> 63) == 0 ? 1f : -1f;
            }
        }

        var norm = 0.0;
        foreach (var value in vector)
        {
            norm += value * value;
        }

        if (norm == 0)
        {
            // Every contribution cancelled out; any fixed unit vector is as good as another.
            vector[0] = 1f;
            return vector;
        }

        var scale = (float)(1 / Math.Sqrt(norm));
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] *= scale;
        }

        return vector;
    }

    private bool TryAddText(string? text, List<IReadOnlyList<int>> inputs, out string? problem)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Fail("Invalid 'input': an input must not be an empty string.", out problem);
        }

        var ids = Tokens.Encode(text);
        return TryAdd(ids, inputs, out problem);
    }

    private static bool TryAddIds(JsonElement array, List<IReadOnlyList<int>> inputs, out string? problem)
    {
        var ids = new List<int>(array.GetArrayLength());
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var id) || id < 0)
            {
                return Fail("Invalid 'input': token ids must be non-negative integers.", out problem);
            }

            ids.Add(id);
        }

        if (ids.Count == 0)
        {
            return Fail("Invalid 'input': an input must not be an empty array.", out problem);
        }

        return TryAdd(ids, inputs, out problem);
    }

    private static bool TryAdd(IReadOnlyList<int> ids, List<IReadOnlyList<int>> inputs, out string? problem)
    {
        if (ids.Count > MaxInputTokens)
        {
            return Fail($"This model's maximum context length is {MaxInputTokens} tokens, however you requested {ids.Count} tokens in one input.", out problem);
        }

        inputs.Add(ids);
        problem = null;
        return true;
    }

    private static bool Fail(string message, out string? problem)
    {
        problem = message;
        return false;
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
