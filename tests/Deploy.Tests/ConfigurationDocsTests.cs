using System.Text.RegularExpressions;

namespace AiCdn.Deploy.Tests;

/// <summary>
/// Every environment variable a service reads by name (an alias of a configuration key) is
/// documented, with its default, in config/env.example and in the README's configuration table,
/// so the documentation cannot fall behind the code.
/// </summary>
public sealed partial class ConfigurationDocsTests
{
    public static TheoryData<string> Variables()
    {
        var data = new TheoryData<string>();
        foreach (var name in AliasesInSource())
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void TheSourceDeclaresAliases() => Assert.True(AliasesInSource().Count >= 30, "the alias scan found too few variables; has the pattern changed?");

    [Theory]
    [MemberData(nameof(Variables))]
    public void Variable_IsInEnvExample(string name)
    {
        var example = File.ReadAllLines(Path.Combine(Repository.Root, "config", "env.example"));
        Assert.Contains(example, line => line.StartsWith(name + "=", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Variables))]
    public void Variable_IsInReadmeConfigurationTable(string name)
    {
        var readme = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));
        Assert.Contains(readme, line => line.StartsWith('|') && line.Contains($"`{name}`", StringComparison.Ordinal));
    }

    private static SortedSet<string> AliasesInSource()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var folder in new[] { "services", "AiCdn.ServiceDefaults" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Root, folder), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (Match match in AliasPattern().Matches(File.ReadAllText(file)))
                {
                    names.Add(match.Groups["name"].Value);
                }
            }
        }

        return names;
    }

    // ["LLM_SOURCE_HOST"] = "CoreRelay:Origins" or = $"ConnectionStrings:{...}", as the alias tables are written.
    [GeneratedRegex("""\["(?<name>[A-Z][A-Z0-9_]+)"\]\s*=\s*\$?"[A-Za-z]""")]
    private static partial Regex AliasPattern();
}
