using YamlDotNet.RepresentationModel;

namespace AiCdn.Observability.Tests.Support;

/// <summary>Reads Prometheus rule files and promtool unit-test files.</summary>
internal static class RuleFiles
{
    public static IReadOnlyList<AlertRule> Alerts(string path) =>
        Sequence(Load(path), "groups")
            .SelectMany(group => Sequence(group, "rules"))
            .Where(rule => rule.Children.ContainsKey("alert"))
            .Select(rule => new AlertRule(Scalar(rule, "alert"), Scalar(rule, "expr")))
            .ToList();

    public static IReadOnlyList<AlertTestCase> TestCases(string path) =>
        Sequence(Load(path), "tests")
            .SelectMany(test => Sequence(test, "alert_rule_test"))
            .Select(test => new AlertTestCase(
                Scalar(test, "alertname"),
                Scalar(test, "eval_time"),
                test.Children.TryGetValue("exp_alerts", out var expected) && expected is YamlSequenceNode { Children.Count: > 0 }))
            .ToList();

    private static YamlMappingNode Load(string path)
    {
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static IEnumerable<YamlMappingNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlSequenceNode sequence
            ? sequence.Children.Cast<YamlMappingNode>()
            : [];

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlScalarNode { Value: { } text }
            ? text
            : throw new InvalidOperationException($"'{key}' missing in {node.Start}.");
}
