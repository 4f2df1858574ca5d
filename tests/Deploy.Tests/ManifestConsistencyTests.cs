using System.Text.RegularExpressions;

namespace AiCdn.Deploy.Tests;

/// <summary>
/// The Kubernetes tree must not drift from the Aspire model: every resource the AppHost publishes has
/// a Deployment and a Service of the same name in the dev overlay, with the same environment keys
/// (values differ: Kubernetes gets ConfigMap and Secret references) and the same ports.
/// </summary>
public sealed partial class ManifestConsistencyTests(AspireModelFixture model) : IClassFixture<AspireModelFixture>
{
    [Fact]
    public void Manifest_Resources_AreTheServicesAndRedis()
    {
        // Guards the other tests against passing over an empty or different model.
        Assert.Equal(
            ["auth-quota", "core-relay", "edge-gateway", "llm-mock"],
            model.Resources.Where(r => r.IsProject).Select(r => r.Name).Order());
        Assert.Contains(model.Resources, r => r.Name == "redis" && !r.IsProject);
    }

    [KustomizeFact]
    public void DevOverlay_EveryManifestResource_HasDeploymentAndService()
    {
        var missing = model.Resources
            .SelectMany(r => new[] { ("Deployment", r.Name), ("Service", r.Name) })
            .Where(x => model.Dev.Find(x.Item1, x.Item2) is null)
            .Select(x => $"{x.Item1}/{x.Item2}")
            .ToList();
        Assert.True(missing.Count == 0, $"The Aspire manifest has resources the dev overlay does not deploy: {string.Join(", ", missing)}");
    }

    [KustomizeFact]
    public void DevOverlay_EveryManifestResource_HasTheSameEnvironmentKeys()
    {
        var problems = new List<string>();
        foreach (var resource in model.Resources)
        {
            var deployment = model.Dev.Find("Deployment", resource.Name);
            if (deployment is null)
            {
                continue;
            }

            var keys = deployment.Environment(model.Dev).Keys.ToHashSet(StringComparer.Ordinal);
            var expected = resource.Environment.Keys.ToHashSet(StringComparer.Ordinal);
            foreach (var key in expected.Except(keys).Order())
            {
                problems.Add($"{resource.Name}: {key} is in the Aspire manifest but not in the Deployment");
            }

            foreach (var key in keys.Except(expected).Order())
            {
                problems.Add($"{resource.Name}: {key} is in the Deployment but not in the Aspire manifest");
            }
        }

        Assert.True(problems.Count == 0, "Environment drift between the Aspire manifest and deploy/k8s:\n" + string.Join("\n", problems));
    }

    [KustomizeFact]
    public void DevOverlay_EveryManifestBinding_IsAServicePortOnTheSameContainerPort()
    {
        var problems = new List<string>();
        foreach (var resource in model.Resources)
        {
            var deployment = model.Dev.Find("Deployment", resource.Name);
            var service = model.Dev.Find("Service", resource.Name);
            if (deployment is null || service is null)
            {
                continue;
            }

            var servicePorts = service.ServicePorts();
            foreach (var binding in resource.Bindings.Values)
            {
                if (!servicePorts.TryGetValue(binding.Name, out var port))
                {
                    problems.Add($"{resource.Name}: binding '{binding.Name}' has no Service port of that name");
                    continue;
                }

                var containerPort = deployment.ResolveTarget(port.Target);
                if (containerPort != resource.ContainerPort(binding))
                {
                    problems.Add($"{resource.Name}: binding '{binding.Name}' listens on {resource.ContainerPort(binding)} in the manifest, the Service reaches {containerPort?.ToString() ?? "no container port"}");
                }
            }

            foreach (var name in servicePorts.Keys.Except(resource.Bindings.Keys).Order())
            {
                problems.Add($"{resource.Name}: Service port '{name}' is not a binding in the Aspire manifest");
            }
        }

        Assert.True(problems.Count == 0, "Port drift between the Aspire manifest and deploy/k8s:\n" + string.Join("\n", problems));
    }

    [KustomizeFact]
    public void DevOverlay_PortVariables_NameTheContainerPorts()
    {
        // HTTP_PORTS={x.bindings.http.targetPort}, LISTEN_H2C=..., METRICS_PORT=...: each must be the
        // port the container exposes for that binding, or the Service points at a closed port.
        var problems = new List<string>();
        foreach (var resource in model.Resources)
        {
            var deployment = model.Dev.Find("Deployment", resource.Name);
            if (deployment is null)
            {
                continue;
            }

            var environment = deployment.Environment(model.Dev);
            foreach (var (key, value) in resource.Environment)
            {
                var match = TargetPortReference().Match(value);
                if (!match.Success || match.Groups["resource"].Value != resource.Name)
                {
                    continue;
                }

                var binding = resource.Bindings[match.Groups["binding"].Value];
                var expected = resource.ContainerPort(binding).ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (!environment.TryGetValue(key, out var actual) || actual != expected)
                {
                    problems.Add($"{resource.Name}: {key} is '{actual}', the {binding.Name} port is {expected}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [KustomizeFact]
    public void DevOverlay_ServiceDiscoveryUrls_PointAtTheKubernetesServices()
    {
        // services__core-relay__http__0={core-relay.bindings.http.url} becomes http://core-relay:<Service port>.
        var problems = new List<string>();
        foreach (var resource in model.Resources)
        {
            var deployment = model.Dev.Find("Deployment", resource.Name);
            if (deployment is null)
            {
                continue;
            }

            var environment = deployment.Environment(model.Dev);
            foreach (var (key, value) in resource.Environment)
            {
                var match = UrlReference().Match(value);
                if (!match.Success)
                {
                    continue;
                }

                var target = match.Groups["resource"].Value;
                var bindingName = match.Groups["binding"].Value;
                var binding = model.Resources.Single(r => r.Name == target).Bindings[bindingName];
                var service = model.Dev.Find("Service", target);
                if (service is null || !service.ServicePorts().TryGetValue(bindingName, out var port))
                {
                    problems.Add($"{resource.Name}: {key} refers to {target}'s {bindingName} binding, which has no Service port");
                    continue;
                }

                var expected = $"{binding.Scheme}://{target}:{port.Port}";
                if (!environment.TryGetValue(key, out var actual) || actual != expected)
                {
                    problems.Add($"{resource.Name}: {key} is '{actual}', expected '{expected}'");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [GeneratedRegex(@"^\{(?<resource>[a-z0-9-]+)\.bindings\.(?<binding>[a-z0-9-]+)\.targetPort\}$")]
    private static partial Regex TargetPortReference();

    [GeneratedRegex(@"^\{(?<resource>[a-z0-9-]+)\.bindings\.(?<binding>[a-z0-9-]+)\.url\}$")]
    private static partial Regex UrlReference();
}
