using System.Globalization;

namespace AiCdn.Deploy.Tests.Support;

/// <summary>Questions the tests ask of rendered workloads: their environment and ports, resolved through ConfigMaps.</summary>
public static class KubeWorkloads
{
    public static KubeObject? Find(this IEnumerable<KubeObject> objects, string kind, string name) =>
        objects.SingleOrDefault(o => o.Kind == kind && o.Name == name);

    /// <summary>Every variable the first container gets: env entries and the keys of ConfigMaps it imports.</summary>
    public static Dictionary<string, string?> Environment(this KubeObject workload, IEnumerable<KubeObject> objects)
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var source in Node.List(workload.Container.GetValueOrDefault("envFrom")))
        {
            var configMapName = Node.Text(source, "configMapRef", "name");
            Assert.True(configMapName is not null, $"{workload}: envFrom other than a ConfigMap cannot be checked against the manifest.");
            var configMap = objects.Find("ConfigMap", configMapName!);
            Assert.True(configMap is not null, $"{workload}: imports ConfigMap {configMapName}, which the overlay does not render.");
            foreach (var (key, value) in Node.Map(configMap!.At("data")))
            {
                variables[(string)key] = value as string;
            }
        }

        // env entries win over envFrom, as in Kubernetes.
        foreach (var entry in Node.List(workload.Container.GetValueOrDefault("env")))
        {
            variables[Node.Text(entry, "name")!] = Node.At(entry, "valueFrom") is null ? Node.Text(entry, "value") ?? "" : null;
        }

        return variables;
    }

    /// <summary>Container ports by name.</summary>
    public static Dictionary<string, int> ContainerPorts(this KubeObject workload) =>
        Node.List(workload.Container.GetValueOrDefault("ports"))
            .ToDictionary(p => Node.Text(p, "name") ?? "", p => Node.Number(p, "containerPort") ?? 0, StringComparer.Ordinal);

    /// <summary>A Service's ports: name to (port, targetPort as written).</summary>
    public static Dictionary<string, (int Port, string Target)> ServicePorts(this KubeObject service) =>
        Node.List(service.At("spec", "ports")).ToDictionary(
            p => Node.Text(p, "name") ?? "",
            p => (Node.Number(p, "port") ?? 0, Node.Text(p, "targetPort") ?? Node.Text(p, "port") ?? ""),
            StringComparer.Ordinal);

    /// <summary>The container port a Service port reaches (targetPort by name or by number).</summary>
    public static int? ResolveTarget(this KubeObject workload, string target) =>
        int.TryParse(target, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : workload.ContainerPorts().TryGetValue(target, out var port) ? port : null;
}
