using System.Text.RegularExpressions;

namespace AiCdn.Deploy.Tests;

/// <summary>
/// The docs point into the code (docs/request-flow.md walks a request file by file): a link whose
/// file is gone, or whose line no longer holds the symbol it names, sends a newcomer to the wrong place.
/// </summary>
public sealed partial class DocumentationLinkTests
{
    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Append(Path.Combine(Repository.Root, "README.md")).Append(Path.Combine(Repository.Root, "BENCHMARKS.md")))
        {
            data.Add(Path.GetRelativePath(Repository.Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryRelativeLink_ReachesAFile_AndEveryLineLink_TheSymbolItNames(string document)
    {
        var path = Path.Combine(Repository.Root, document);
        var directory = Path.GetDirectoryName(path)!;
        var broken = new List<string>();
        foreach (Match link in Link().Matches(File.ReadAllText(path)))
        {
            var target = link.Groups["target"].Value;
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            var file = Path.GetFullPath(Path.Combine(directory, Uri.UnescapeDataString(target)));
            if (!File.Exists(file) && !Directory.Exists(file))
            {
                broken.Add($"{link.Value}: no such file");
                continue;
            }

            if (link.Groups["line"].Success && Symbol().Match(link.Groups["text"].Value) is { Success: true } symbol)
            {
                var lines = File.ReadAllLines(file);
                var number = int.Parse(link.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture);
                var name = symbol.Groups["name"].Value;
                if (number > lines.Length || !lines[number - 1].Contains(name, StringComparison.Ordinal))
                {
                    var actual = Array.FindIndex(lines, l => l.Contains($" {name}(", StringComparison.Ordinal) || l.Contains($" {name} ", StringComparison.Ordinal) || l.Contains($"class {name}", StringComparison.Ordinal));
                    broken.Add($"{link.Value}: line {number} does not name {name}{(actual >= 0 ? $" (line {actual + 1} does)" : string.Empty)}");
                }
            }
        }

        Assert.True(broken.Count == 0, $"{document}:\n{string.Join('\n', broken)}");
    }

    // [text](relative/path#L12): the text is kept to learn which symbol the line should hold.
    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\((?<target>[^)#\s]+)(?:#L(?<line>\d+))?[^)]*\)")]
    private static partial Regex Link();

    // `Type`, `Type.Member` or `Type.Member(...)`: the last identifier is what the line must contain.
    [GeneratedRegex(@"^`(?:[A-Za-z_][A-Za-z0-9_]*\.)*(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:\(.*\))?`$")]
    private static partial Regex Symbol();
}
