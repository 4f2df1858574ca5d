using System.Text.Json;

namespace AiCdn.Common.Json;

/// <summary>
/// Whether every string and property name of a parsed JSON document is valid Unicode. The parser
/// accepts a lone surrogate escape (<c>"\ud800"</c>) and only fails when the string is read, which
/// would otherwise surface as a 500 wherever the value is first used.
/// </summary>
public static class JsonStrings
{
    public static bool AllValid(JsonElement element)
    {
        try
        {
            Walk(element);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void Walk(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    Walk(property.Value);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item);
                }

                break;
        }
    }
}
