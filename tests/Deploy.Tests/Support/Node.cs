using System.Globalization;

namespace AiCdn.Deploy.Tests.Support;

/// <summary>Walks YamlDotNet's untyped documents: maps, lists and scalars (as strings).</summary>
public static class Node
{
    public static object? At(object? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not Dictionary<object, object> map || !map.TryGetValue(key, out node))
            {
                return null;
            }
        }

        return node;
    }

    public static Dictionary<object, object> Map(object? node) =>
        node as Dictionary<object, object> ?? [];

    public static List<object> List(object? node) => node as List<object> ?? [];

    public static string? Text(object? node, params string[] path) => At(node, path) as string;

    public static int? Number(object? node, params string[] path) =>
        int.TryParse(Text(node, path), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
