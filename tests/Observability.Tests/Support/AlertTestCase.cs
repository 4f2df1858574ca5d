namespace AiCdn.Observability.Tests.Support;

/// <summary>One <c>alert_rule_test</c> entry of a promtool test file: an alert, and whether any instance of it is expected.</summary>
internal sealed record AlertTestCase(string Alert, string EvalTime, bool ExpectsFiring);
