using AiCdn.Common.Errors;

namespace AiCdn.Common.Quota;

/// <summary>auth-quota's answer to a <see cref="KeyCheckRequest"/>: valid, or the refusal (status and error) a call with this key gets.</summary>
public sealed record KeyCheckResult(bool Valid, int Status, OpenAiError? Error = null, long? RetryAfterMs = null);
