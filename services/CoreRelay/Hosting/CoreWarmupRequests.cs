using System.Net;
using AiCdn.Common.Hosting;
using AiCdn.Common.Security;
using AiCdn.Common.Warmup;
using Microsoft.Extensions.Options;

namespace AiCdn.CoreRelay.Hosting;

/// <summary>
/// The core warms every plain listener an edge may use, in turn: the HTTP/2 cleartext one
/// (<c>LISTEN_H2C</c>, what <c>CORE_TRANSPORT=h2c</c> edges use) over HTTP/2, the others over
/// HTTP/1.1. Its requests are signed with the cluster secret as an edge signs them, so they pass
/// the edge check, overload check, inspection and prompt counting, and end before the quota
/// decision (<see cref="Admission.AuthorizationMiddleware"/>). A TLS listener is not warmed.
/// </summary>
public sealed class CoreWarmupRequests(ClusterSignature signature, IOptions<CoreRelayOptions> options) : WarmupRequests
{
    public override IReadOnlyList<WarmupTarget> Targets(IReadOnlyCollection<string> serverAddresses)
    {
        int? h2cPort = ListenAddress.TryParse(options.Value.ListenH2c, out var h2c) && h2c.Port > 0 ? h2c.Port : null;
        var targets = new List<WarmupTarget>();
        foreach (var address in serverAddresses)
        {
            if (Loopback(address) is { } uri && targets.All(t => t.BaseAddress != uri))
            {
                targets.Add(new WarmupTarget(uri, uri.Port == h2cPort ? HttpVersion.Version20 : HttpVersion.Version11));
            }
        }

        return targets;
    }

    public override HttpRequestMessage Create(WarmupTarget target, int number)
    {
        var request = base.Create(target, number);
        // As an edge sends it: the client's address, signed with the rest.
        request.Headers.TryAddWithoutValidation(ClusterSignature.ForwardedForHeader, "127.0.0.1");
        signature.Sign(request);
        return request;
    }
}
