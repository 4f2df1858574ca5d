using System.Globalization;

namespace AiCdn.CoreRelay.Telemetry;

/// <summary>
/// The core's part of the <c>Server-Timing</c> header (W3C Server Timing): <c>auth</c> is the quota
/// decision, <c>origin</c> the origin's time to response headers, <c>core</c> the rest of the time
/// the core spent before answering. The edge adds its own <c>edge</c> entry.
/// </summary>
public static class ServerTiming
{
    public static string Format(TimeSpan totalToHeaders, TimeSpan auth, TimeSpan origin)
    {
        var core = totalToHeaders - auth - origin;
        if (core < TimeSpan.Zero)
        {
            core = TimeSpan.Zero;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"core;dur={core.TotalMilliseconds:0.0}, auth;dur={auth.TotalMilliseconds:0.0}, origin;dur={origin.TotalMilliseconds:0.0}");
    }
}
