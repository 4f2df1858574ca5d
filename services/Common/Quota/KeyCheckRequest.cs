namespace AiCdn.Common.Quota;

/// <summary>
/// core-relay → auth-quota: "is this key valid now?" (it exists, is enabled and has not expired),
/// asked before the core does work that grows with a request's body. Nothing is reserved.
/// </summary>
public sealed record KeyCheckRequest(string KeyHash);
