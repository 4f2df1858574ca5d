using AiCdn.Common.Hosting;
using AiCdn.Common.Routing;
using AiCdn.EdgeGateway.Forwarding;
using AiCdn.EdgeGateway.Protection;
using AiCdn.Forwarding.Configuration;
using Microsoft.Extensions.Options;

namespace AiCdn.EdgeGateway;

/// <summary>Reports every problem of the edge's configuration at once, naming the variable an operator sets.</summary>
public sealed class EdgeOptionsValidator : IValidateOptions<EdgeOptions>
{
    public ValidateOptionsResult Validate(string? name, EdgeOptions options)
    {
        var errors = new List<string>();

        errors.AddRange(options.Overload.Problems("Edge:Overload"));

        var transportKnown = CoreTransports.TryParse(options.CoreTransport, out var transport);
        if (!UpstreamAddressList.TryParse(options.CoreNodes, CoreProxyConfig.NodeAddresses(transport), out _, out var nodeError))
        {
            errors.Add(nodeError);
        }

        if (!transportKnown)
        {
            errors.Add($"Edge:CoreTransport '{options.CoreTransport}' must be http1, h2c or h2.");
        }
        else if (transport == CoreTransport.H2 && options.CoreNodes.Contains("http://", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add("Edge:CoreTransport is h2 (TLS) but Edge:CoreNodes (CORE_NODE_HOST) names http:// cores; use https:// addresses.");
        }

        if (string.IsNullOrEmpty(options.CoreClientCertificateFile) != string.IsNullOrEmpty(options.CoreClientKeyFile))
        {
            errors.Add("Edge:CoreClientCertificateFile (CORE_CLIENT_CERT_FILE) and Edge:CoreClientKeyFile (CORE_CLIENT_KEY_FILE) must be set together.");
        }

        RequireFile(errors, options.CoreClientCertificateFile, "Edge:CoreClientCertificateFile (CORE_CLIENT_CERT_FILE)");
        RequireFile(errors, options.CoreClientKeyFile, "Edge:CoreClientKeyFile (CORE_CLIENT_KEY_FILE)");
        RequireFile(errors, options.CoreCaFile, "Edge:CoreCaFile (CORE_CA_FILE)");
        if (transport != CoreTransport.H2 && (!string.IsNullOrEmpty(options.CoreClientCertificateFile) || !string.IsNullOrEmpty(options.CoreCaFile)))
        {
            errors.Add("Edge:CoreClientCertificateFile and Edge:CoreCaFile only apply to Edge:CoreTransport h2 (TLS to the cores).");
        }

        Positive(errors, options.CoreConnectTimeout, "Edge:CoreConnectTimeout");
        Positive(errors, options.CoreKeepAlivePingDelay, "Edge:CoreKeepAlivePingDelay");
        Positive(errors, options.CoreKeepAlivePingTimeout, "Edge:CoreKeepAlivePingTimeout");
        Positive(errors, options.CoreHealthInterval, "Edge:CoreHealthInterval");
        Positive(errors, options.CoreHealthTimeout, "Edge:CoreHealthTimeout");
        if (string.IsNullOrEmpty(options.CoreHealthPath) || options.CoreHealthPath[0] != '/')
        {
            errors.Add($"Edge:CoreHealthPath '{options.CoreHealthPath}' must start with '/'.");
        }

        if (options.CoreMaxAttempts is < 1 or > CoreAttempt.MaxNumber)
        {
            errors.Add($"Edge:CoreMaxAttempts ({options.CoreMaxAttempts}) must be between 1 and {CoreAttempt.MaxNumber}.");
        }

        if (options.CoreRetryBodyLimit < 0)
        {
            errors.Add($"Edge:CoreRetryBodyLimit ({options.CoreRetryBodyLimit}) must be 0 or more bytes.");
        }

        Listen(errors, options.ListenHttp, "Edge:ListenHttp (LISTEN_HTTP)");
        Listen(errors, options.ListenWs, "Edge:ListenWs (LISTEN_WS)");
        Listen(errors, options.ListenTls, "Edge:ListenTls (LISTEN_QUIC)");
        if (!ListenAddress.TryParse(options.ManagementListen, out _))
        {
            errors.Add($"Edge:ManagementListen (METRICS_PORT) '{options.ManagementListen}' is not a port, ':port', 'host:port' or '[v6]:port'.");
        }

        if (string.IsNullOrEmpty(options.Tls.CertificateFile) != string.IsNullOrEmpty(options.Tls.KeyFile))
        {
            errors.Add("Edge:Tls:CertificateFile (TLS_CERT_FILE) and Edge:Tls:KeyFile (TLS_KEY_FILE) must be set together.");
        }

        RequireFile(errors, options.Tls.CertificateFile, "Edge:Tls:CertificateFile (TLS_CERT_FILE)");
        RequireFile(errors, options.Tls.KeyFile, "Edge:Tls:KeyFile (TLS_KEY_FILE)");
        Positive(errors, options.Tls.ReloadCheckInterval, "Edge:Tls:ReloadCheckInterval");

        if (!ClientAddresses.TryParseNetworks(options.TrustedProxies, out _, out var proxyError))
        {
            errors.Add($"Edge:TrustedProxies: {proxyError}");
        }

        Positive(errors, options.DrainTimeout, "Edge:DrainTimeout (DRAIN_TIMEOUT)");
        Positive(errors, options.LinkResumeTimeout, "Edge:LinkResumeTimeout (LINK_RESUME_TIMEOUT)");
        Positive(errors, options.CoreActivityTimeout, "Edge:CoreActivityTimeout");
        if (options.SseKeepAliveInterval < TimeSpan.Zero || (options.SseKeepAliveInterval > TimeSpan.Zero && options.SseKeepAliveInterval < TimeSpan.FromMilliseconds(100)))
        {
            errors.Add($"Edge:SseKeepAliveInterval (SSE_KEEPALIVE_INTERVAL) {options.SseKeepAliveInterval} must be 0 (off) or at least 100 ms.");
        }

        var limits = options.Limits;
        NotNegative(errors, limits.GlobalRequestsPerSecond, "Edge:Limits:GlobalRequestsPerSecond (RATE_LIMIT_GLOBAL)");
        NotNegative(errors, limits.GlobalBurst, "Edge:Limits:GlobalBurst");
        NotNegative(errors, limits.PerIpRequestsPerSecond, "Edge:Limits:PerIpRequestsPerSecond");
        NotNegative(errors, limits.PerIpBurst, "Edge:Limits:PerIpBurst");
        NotNegative(errors, limits.PerIpConcurrentRequests, "Edge:Limits:PerIpConcurrentRequests");
        NotNegative(errors, limits.PerIpConnectionsPerSecond ?? 0, "Edge:Limits:PerIpConnectionsPerSecond");
        if (limits.MaxConnections < 1)
        {
            errors.Add($"Edge:Limits:MaxConnections (MAX_CONNECTIONS) ({limits.MaxConnections}) must be at least 1.");
        }

        if (limits.MaxRequestHeadersTotalSize < 1024)
        {
            errors.Add($"Edge:Limits:MaxRequestHeadersTotalSize ({limits.MaxRequestHeadersTotalSize}) must be at least 1024 bytes.");
        }

        if (limits.MaxRequestHeaderCount < 8)
        {
            errors.Add($"Edge:Limits:MaxRequestHeaderCount ({limits.MaxRequestHeaderCount}) must be at least 8.");
        }

        if (limits.MaxRequestBodySize < 1024)
        {
            errors.Add($"Edge:Limits:MaxRequestBodySize ({limits.MaxRequestBodySize}) must be at least 1024 bytes.");
        }

        Positive(errors, limits.RequestHeadersTimeout, "Edge:Limits:RequestHeadersTimeout");
        if (limits.MinRequestBodyDataRate < 0)
        {
            errors.Add("Edge:Limits:MinRequestBodyDataRate must not be negative (0 turns it off).");
        }

        // Kestrel's heartbeat ticks once a second; a shorter grace period is refused by Kestrel itself.
        if (limits.MinRequestBodyDataRate > 0 && limits.MinRequestBodyDataRateGracePeriod <= TimeSpan.FromSeconds(1))
        {
            errors.Add("Edge:Limits:MinRequestBodyDataRateGracePeriod must be longer than one second.");
        }

        if (options.WebSocket.MaxConcurrentRequests < 1)
        {
            errors.Add("Edge:WebSocket:MaxConcurrentRequests must be at least 1.");
        }

        Positive(errors, options.WebSocket.KeepAliveInterval, "Edge:WebSocket:KeepAliveInterval");
        if (options.WebSocket.MaxSmallFramesPerSecond < 0)
        {
            errors.Add("Edge:WebSocket:MaxSmallFramesPerSecond must not be negative (0 turns it off).");
        }

        if (options.WebSocket.MaxSmallFramesPerSecond > 0 && options.WebSocket.SmallFrameBurst < 1)
        {
            errors.Add("Edge:WebSocket:SmallFrameBurst must be at least 1.");
        }

        if (options.WebSocket.FloodPenalty < TimeSpan.Zero)
        {
            errors.Add($"Edge:WebSocket:FloodPenalty ({options.WebSocket.FloodPenalty}) must not be negative.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Listen(List<string> errors, string? value, string setting)
    {
        if (!string.IsNullOrWhiteSpace(value) && !ListenAddress.TryParse(value, out _))
        {
            errors.Add($"{setting} '{value}' is not ':port', 'host:port' or '[v6]:port'.");
        }
    }

    private static void RequireFile(List<string> errors, string? path, string setting)
    {
        if (!string.IsNullOrEmpty(path) && !File.Exists(path))
        {
            errors.Add($"{setting}: the file '{path}' does not exist.");
        }
    }

    private static void Positive(List<string> errors, TimeSpan value, string setting)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{setting} ({value}) must be positive.");
        }
    }

    private static void NotNegative(List<string> errors, long value, string setting)
    {
        if (value < 0)
        {
            errors.Add($"{setting} ({value}) must not be negative (0 turns the limit off).");
        }
    }
}
