using Microsoft.AspNetCore.Http;

namespace AiCdn.Common.Warmup;

/// <summary>Set on a request that carried this process's warm-up secret: nothing it does is recorded.</summary>
public sealed class WarmupRequestFeature
{
    public static readonly WarmupRequestFeature Instance = new();

    private WarmupRequestFeature()
    {
    }

    /// <summary>Whether <paramref name="context"/> is the process's own warm-up traffic.</summary>
    public static bool Is(HttpContext context) => context.Features.Get<WarmupRequestFeature>() is not null;
}
