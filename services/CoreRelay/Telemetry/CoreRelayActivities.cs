using System.Diagnostics;

namespace AiCdn.CoreRelay.Telemetry;

/// <summary>The core's own spans (work done after the request's span has ended, such as settling).</summary>
public static class CoreRelayActivities
{
    public static readonly ActivitySource Source = new("AiCdn.CoreRelay");
}
