using System.Runtime.InteropServices;

namespace AiCdn.AuthQuota.Benchmarks;

/// <summary>
/// Thread.Sleep has millisecond resolution; the schedule of 2,000 sends a second needs better.
/// Linux lets a sleep overrun by the thread's timer slack (50 µs by default); the scheduler thread
/// sets its own to 1 µs, so it can sleep up to each send instead of spinning for the last stretch
/// (spinning took a fifth of a core from the processes under test).
/// </summary>
internal static partial class NativeSleep
{
    private const int PrSetTimerSlack = 29;

    /// <summary>Sets the calling thread's timer slack to 1 µs; false where the call is refused.</summary>
    public static bool UsePreciseTimers() => prctl(PrSetTimerSlack, 1_000, 0, 0, 0) == 0;

    public static void Microseconds(uint microseconds) => _ = usleep(microseconds);

    [LibraryImport("libc", EntryPoint = "usleep")]
    private static partial int usleep(uint microseconds);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
