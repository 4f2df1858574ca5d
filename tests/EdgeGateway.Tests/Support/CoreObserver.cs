using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.EdgeGateway.Tests.Support;

/// <summary>What a core saw of each /v1 request the edge relayed: protocol, connection, client certificate, headers.</summary>
public sealed class CoreObserver
{
    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    /// <summary>Registers the observer in a core's services (ChainSettings.CoreServices).</summary>
    public Action<IServiceCollection> Install() => services =>
    {
        services.AddSingleton(this);
        services.AddSingleton<IStartupFilter>(new Filter(this));
    };

    public sealed record SeenRequest(string Path, string Protocol, string ConnectionId, bool HasClientCertificate, IReadOnlyDictionary<string, string> Headers);

    private sealed class Filter(CoreObserver observer) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, proceed) =>
            {
                if (context.Request.Path.StartsWithSegments("/v1"))
                {
                    observer.Requests.Enqueue(new SeenRequest(
                        context.Request.Path.Value!,
                        context.Request.Protocol,
                        context.Connection.Id,
                        context.Connection.ClientCertificate is not null,
                        context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString())));
                }

                await proceed(context);
            });
            next(app);
        };
    }
}
