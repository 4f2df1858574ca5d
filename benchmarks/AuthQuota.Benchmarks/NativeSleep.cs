using System.Runtime.InteropServices;

namespace AiCdn.AuthQuota.Benchmarks;

/// <summary>Thread.Sleep has millisecond resolution; the schedule of 2,000 sends a second needs better.</summary>
internal static partial class NativeSleep
{
    public static void Microseconds(uint microseconds) => _ = usleep(microseconds);

    [LibraryImport("libc", EntryPoint = "usleep")]
    private static partial int usleep(uint microseconds);
}
