using System.Globalization;

namespace AiCdn.LoadTool.Http;

/// <summary>
/// This process's part of a run split over several tool processes (<c>--shard i/n</c>): one process
/// may hold at most ~19,000 sockets here, so 50k streams take several. Work item k belongs to shard
/// k mod n, so every shard follows the same global schedule.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    public static Shard Single => new(0, 1);

    public bool Owns(long item) => item % Count == Index;

    /// <summary>How many of <paramref name="total"/> items fall to this shard.</summary>
    public long ShareOf(long total) => (total / Count) + (Index < total % Count ? 1 : 0);

    public static bool TryParse(string? text, out Shard shard)
    {
        shard = Single;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count >= 1 && index < count)
        {
            shard = new Shard(index, count);
            return true;
        }

        return false;
    }

    public override string ToString() => $"{Index}/{Count}";
}
