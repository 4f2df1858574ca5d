using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace AiCdn.Common.Warmup;

/// <summary>
/// Tells the process's own warm-up requests from everyone else's: they carry
/// <see cref="HeaderName"/> with a random value made when the process starts, known only inside
/// it (never logged, never sent anywhere but to its own loopback listeners), and they come from
/// loopback. A recognised request is marked with <see cref="WarmupRequestFeature"/> and kept out
/// of every metric and trace; the header is removed from every request, recognised or not, so it
/// is never relayed to the next hop. A client that sends the header is served like any other.
/// </summary>
public sealed class WarmupTraffic
{
    public const string HeaderName = "x-aicdn-warmup";

    private readonly byte[] _secret;

    public WarmupTraffic()
    {
        Secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        _secret = Encoding.ASCII.GetBytes(Secret);
    }

    /// <summary>The header value of this process's warm-up requests.</summary>
    internal string Secret { get; }

    /// <summary>Marks <paramref name="request"/> as this process's warm-up traffic.</summary>
    internal void Mark(HttpRequestMessage request) => request.Headers.TryAddWithoutValidation(HeaderName, Secret);

    /// <summary>Whether the request carries this process's secret; the header is removed either way.</summary>
    public bool Recognise(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (!headers.TryGetValue(HeaderName, out var values))
        {
            return false;
        }

        headers.Remove(HeaderName);
        if (values.Count != 1 || values[0] is not { Length: > 0 } value || !IsLoopback(context.Connection.RemoteIpAddress))
        {
            return false;
        }

        // The value's length is no secret (every process's is 64); its content is compared in constant time.
        if (value.Length != _secret.Length || !Ascii.IsValid(value))
        {
            return false;
        }

        Span<byte> given = stackalloc byte[_secret.Length];
        Encoding.ASCII.GetBytes(value, given);
        if (!CryptographicOperations.FixedTimeEquals(given, _secret))
        {
            return false;
        }

        context.Features.Set(WarmupRequestFeature.Instance);

        // ASP.NET Core's own request metrics (http.server.request.duration, with the 401) and the
        // request's span stay out of dashboards and trace stores.
        if (context.Features.Get<IHttpMetricsTagsFeature>() is { } metrics)
        {
            metrics.MetricsDisabled = true;
        }

        if (context.Features.Get<IHttpActivityFeature>()?.Activity is { } activity)
        {
            activity.IsAllDataRequested = false;
            activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        }

        return true;
    }

    private static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address);
}
