namespace AiCdn.CoreRelay;

/// <summary>Bound from <c>CoreRelay</c>; the original's <c>LLM_SOURCE_*</c> variables are aliases.</summary>
public sealed class CoreRelayOptions
{
    public const string SectionName = "CoreRelay";

    /// <summary>
    /// LLM origins, comma-separated: full URLs (<c>https://api.openai.com</c>), <c>host:port</c> or bare
    /// hosts (then <see cref="OriginPort"/> applies). <c>LLM_SOURCE_HOST</c>. Defaults to the
    /// service-discovery name of the development mock.
    /// </summary>
    public string Origins { get; set; } = "http://llm-mock";

    /// <summary>Port for origins given without one (<c>LLM_SOURCE_PORT</c>, default 8000 as in the original).</summary>
    public int OriginPort { get; set; } = 8000;

    /// <summary>The key the core presents to the origins (<c>LLM_SOURCE_API_KEY</c>); the client's key never leaves the core.</summary>
    public string? OriginApiKey { get; set; }

    /// <summary>Where auth-quota answers (service discovery name by default).</summary>
    public string AuthQuotaUrl { get; set; } = "http://auth-quota";

    /// <summary>Request bodies larger than this get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Tokens reserved for the completion when a request sets no <c>max_tokens</c>.</summary>
    public int DefaultCompletionTokenEstimate { get; set; } = 1024;

    /// <summary>How long a stream may stay silent before it is cut (not a cap on its total length).</summary>
    public TimeSpan StreamIdleTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
