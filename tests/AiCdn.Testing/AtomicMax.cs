namespace AiCdn.Testing;

/// <summary>The highest value seen so far, kept by many threads at once (for "most at once" figures).</summary>
public static class AtomicMax
{
    public static void Update(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
