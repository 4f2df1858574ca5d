using AiCdn.Forwarding.Configuration;
using Microsoft.Extensions.Options;

namespace AiCdn.CoreRelay;

/// <summary>Reports every configuration problem at start-up, at once.</summary>
public sealed class CoreRelayOptionsValidator : IValidateOptions<CoreRelayOptions>
{
    public ValidateOptionsResult Validate(string? name, CoreRelayOptions options)
    {
        var failures = new List<string>();
        failures.AddRange(options.Overload.Problems("CoreRelay:Overload"));
        if (!UpstreamAddressList.TryParse(options.Origins, Forwarding.OriginProxyConfig.OriginAddresses(options.OriginPort), out _, out var originError))
        {
            failures.Add(originError);
        }

        if (options.OriginProtocol is not ("http1" or "h2c"))
        {
            failures.Add($"CoreRelay:OriginProtocol (LLM_SOURCE_PROTOCOL) '{options.OriginProtocol}' must be http1 or h2c.");
        }

        if (options.OriginPort is < 1 or > 65535)
        {
            failures.Add("CoreRelay:OriginPort (LLM_SOURCE_PORT) must be between 1 and 65535.");
        }

        if (!Uri.TryCreate(options.AuthQuotaUrl, UriKind.Absolute, out _))
        {
            failures.Add($"CoreRelay:AuthQuotaUrl '{options.AuthQuotaUrl}' is not an absolute URL.");
        }

        if (options.AuthQuotaMaxConnections is < 1 or > 100_000)
        {
            failures.Add("CoreRelay:AuthQuotaMaxConnections must be between 1 and 100000.");
        }

        if (options.MaxPendingDecisions is < 0 or > 1_000_000)
        {
            failures.Add($"CoreRelay:MaxPendingDecisions (MAX_PENDING_DECISIONS) ({options.MaxPendingDecisions}) must be between 0 (no cap) and 1000000.");
        }

        if (options.KeyContextTtl <= TimeSpan.Zero || options.KeyContextTtl > TimeSpan.FromSeconds(1))
        {
            failures.Add("CoreRelay:KeyContextTtl must be more than 0 and at most 1 second (admin changes must reach every core within a second).");
        }

        if (options.KeyContextMaxAge < options.KeyContextTtl || options.KeyContextMaxAge > TimeSpan.FromHours(1))
        {
            failures.Add("CoreRelay:KeyContextMaxAge (KEY_CONTEXT_MAX_AGE_SECONDS) must be at least CoreRelay:KeyContextTtl and at most 1 hour.");
        }

        if (options.MaxRequestBodyBytes < 1024)
        {
            failures.Add("CoreRelay:MaxRequestBodyBytes must be at least 1024.");
        }

        if (!Forwarding.OriginHeaderPolicy.TryParse(options.ForwardRequestHeaders, out var invalidHeader))
        {
            failures.Add($"CoreRelay:ForwardRequestHeaders (FORWARD_REQUEST_HEADERS): '{invalidHeader}' is not a header name or a name prefix ending in '*'.");
        }

        if (options.KeyCheckAboveBodyBytes is < 0 or > 1024 * 1024)
        {
            failures.Add("CoreRelay:KeyCheckAboveBodyBytes must be between 0 and 1048576 (the unauthenticated work it allows grows with it).");
        }

        if (options.DefaultCompletionTokenEstimate < 1)
        {
            failures.Add("CoreRelay:DefaultCompletionTokenEstimate must be at least 1.");
        }

        if (options.StreamIdleTimeout <= TimeSpan.Zero)
        {
            failures.Add("CoreRelay:StreamIdleTimeout must be positive.");
        }

        if (options.ConnectTimeout <= TimeSpan.Zero)
        {
            failures.Add("CoreRelay:ConnectTimeout must be positive.");
        }

        if (options.LeaseRenewInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add("CoreRelay:LeaseRenewInterval must be at least one second.");
        }

        if (options.MaxAttempts is < 1 or > 10)
        {
            failures.Add("CoreRelay:MaxAttempts must be between 1 and 10.");
        }

        if (options.OriginHealthCheckPath is { Length: > 0 } path && !path.StartsWith('/'))
        {
            failures.Add("CoreRelay:OriginHealthCheckPath must start with '/'.");
        }

        if (options.UsageScanCapBytes < 64 * 1024)
        {
            failures.Add("CoreRelay:UsageScanCapBytes must be at least 65536.");
        }

        if (options.ListenH2c is { Length: > 0 } h2c && !Common.Hosting.ListenAddress.TryParse(h2c, out _))
        {
            failures.Add($"CoreRelay:ListenH2c (LISTEN_H2C) '{h2c}' is not ':port', 'host:port' or a URL.");
        }

        if (options.ListenTls is { Length: > 0 } tls)
        {
            if (!Common.Hosting.ListenAddress.TryParse(tls, out _))
            {
                failures.Add($"CoreRelay:ListenTls (LISTEN_TLS) '{tls}' is not ':port', 'host:port' or a URL.");
            }

            if (string.IsNullOrEmpty(options.Tls.CertificateFile) || string.IsNullOrEmpty(options.Tls.KeyFile))
            {
                failures.Add("CoreRelay:ListenTls (LISTEN_TLS) needs CoreRelay:Tls:CertificateFile and KeyFile (TLS_CERT_FILE, TLS_KEY_FILE).");
            }
        }

        foreach (var (setting, file) in new[] { ("CertificateFile", options.Tls.CertificateFile), ("KeyFile", options.Tls.KeyFile), ("ClientCaFile", options.Tls.ClientCaFile) })
        {
            if (!string.IsNullOrEmpty(file) && !File.Exists(file))
            {
                failures.Add($"CoreRelay:Tls:{setting} '{file}' does not exist.");
            }
        }

        var resumable = options.Resumable;
        if (resumable.GracePeriod <= TimeSpan.Zero)
        {
            failures.Add("CoreRelay:Resumable:GracePeriod must be positive.");
        }

        if (resumable.MaxBytesPerStream < 4096)
        {
            failures.Add("CoreRelay:Resumable:MaxBytesPerStream must be at least 4096.");
        }

        if (resumable.MaxBytesTotal < resumable.MaxBytesPerStream)
        {
            failures.Add("CoreRelay:Resumable:MaxBytesTotal must be at least MaxBytesPerStream.");
        }

        if (resumable.NodeId is { Length: > 0 } node && !AiCdn.Common.Streams.StreamId.IsValidNodeId(node))
        {
            failures.Add($"CoreRelay:Resumable:NodeId (CORE_NODE_ID) '{node}' may only hold a-z, 0-9 and '-' (at most 48).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
