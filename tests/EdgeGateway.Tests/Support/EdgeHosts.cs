using AiCdn.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.EdgeGateway.Tests.Support;

public static class EdgeHosts
{
    /// <summary>Every address the edge bound, public ones first, the management listener last.</summary>
    public static IReadOnlyList<Uri> Addresses(this ServiceHost edge) =>
        edge.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Select(a => new Uri(a)).ToList();

    public static Uri ManagementAddress(this ServiceHost edge) => edge.Addresses()[^1];

    public static HttpClient CreateClient(Uri address) => new() { BaseAddress = address, Timeout = TimeSpan.FromMinutes(1) };
}
