using System.Text.Json;
using System.Text.Json.Serialization;

namespace AiCdn.LoadTool.Results;

/// <summary>Reads and writes <see cref="ScenarioResult"/> files.</summary>
public static class ResultJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task WriteAsync(ScenarioResult result, string path, CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, result, Options, cancellationToken);
    }

    public static async Task<ScenarioResult> ReadAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<ScenarioResult>(file, Options, cancellationToken)
            ?? throw new InvalidDataException($"{path} holds no result.");
    }
}
