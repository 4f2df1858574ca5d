namespace AiCdn.Common.Quota;

/// <summary>auth-quota's internal endpoints, called by core-relay only (cluster signature required).</summary>
public static class QuotaRoutes
{
    public const string Authorize = "/internal/v1/authorize";
    public const string Settle = "/internal/v1/settle";
}
