namespace AiCdn.AuthQuota.Quota;

public sealed record ReserveResult(ReserveOutcome Outcome, QuotaReadings? Readings);
