namespace AiCdn.Quota;

public sealed record ReserveResult(ReserveOutcome Outcome, QuotaReadings? Readings);
