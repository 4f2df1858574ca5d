namespace AiCdn.Deploy.Tests;

/// <summary>Every overlay renders with <c>kubectl kustomize</c> and keeps the production settings the issue asks for.</summary>
public sealed class OverlayTests
{
    public static TheoryData<string> Overlays() => new(Kustomize.Overlays);

    [Fact]
    public void Overlays_AreDevEdgeAndCore()
    {
        Assert.Equal(["core", "dev", "edge"], Kustomize.Overlays);
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public async Task Kustomize_Overlay_RendersHardenedWorkloads(string overlay)
    {
        var objects = await Kustomize.RenderAsync(Path.Combine(DeployPaths.K8s, "overlays", overlay));
        var deployments = objects.Where(o => o.Kind == "Deployment").ToList();
        Assert.NotEmpty(deployments);

        var problems = new List<string>();
        foreach (var deployment in deployments)
        {
            var container = deployment.Container;
            var pod = deployment.At("spec", "template", "spec");
            if (Node.At(container, "resources", "requests", "cpu") is null || Node.At(container, "resources", "requests", "memory") is null
                || Node.At(container, "resources", "limits", "cpu") is null || Node.At(container, "resources", "limits", "memory") is null)
            {
                problems.Add($"{deployment}: CPU and memory requests and limits");
            }

            if (Node.Text(pod, "securityContext", "runAsNonRoot") != "true" || Node.Number(pod, "securityContext", "runAsUser") is null or 0)
            {
                problems.Add($"{deployment}: runAsNonRoot with a numeric non-root user");
            }

            if (Node.Text(container, "securityContext", "readOnlyRootFilesystem") != "true"
                || Node.Text(container, "securityContext", "allowPrivilegeEscalation") != "false"
                || !Node.List(Node.At(container, "securityContext", "capabilities", "drop")).Contains("ALL"))
            {
                problems.Add($"{deployment}: read-only root file system, no privilege escalation, all capabilities dropped");
            }

            if (Node.Text(pod, "automountServiceAccountToken") != "false")
            {
                problems.Add($"{deployment}: no service account token (the services never call the API server)");
            }

            if (deployment.Name == "redis")
            {
                if (Node.At(container, "readinessProbe") is null || Node.At(container, "livenessProbe") is null)
                {
                    problems.Add($"{deployment}: readiness and liveness probes");
                }

                continue;
            }

            if (Node.Text(container, "readinessProbe", "httpGet", "path") != "/health")
            {
                problems.Add($"{deployment}: readiness probe on /health");
            }

            if (Node.Text(container, "livenessProbe", "httpGet", "path") != "/alive")
            {
                problems.Add($"{deployment}: liveness probe on /alive");
            }

            var scaled = objects.Any(o => o.Kind == "HorizontalPodAutoscaler" && Node.Text(o.At("spec", "scaleTargetRef"), "name") == deployment.Name);
            if (deployment.Name != "llm-mock")
            {
                if (!scaled)
                {
                    problems.Add($"{deployment}: a HorizontalPodAutoscaler");
                }

                if (deployment.At("spec", "replicas") is not null)
                {
                    problems.Add($"{deployment}: no fixed replicas (the autoscaler owns the count)");
                }

                if (!objects.Any(o => o.Kind == "PodDisruptionBudget" && Node.Text(o.At("spec", "selector", "matchLabels"), "app.kubernetes.io/name") == deployment.Name))
                {
                    problems.Add($"{deployment}: a PodDisruptionBudget");
                }

                if (Node.List(Node.At(pod, "topologySpreadConstraints")).Count == 0)
                {
                    problems.Add($"{deployment}: topology spread constraints");
                }
            }

            if (!objects.Any(o => o.Kind == "NetworkPolicy" && Node.Text(o.At("spec", "podSelector", "matchLabels"), "app.kubernetes.io/name") == deployment.Name))
            {
                problems.Add($"{deployment}: a NetworkPolicy");
            }

            if (Node.Text(deployment.At("spec", "template", "metadata", "annotations"), "prometheus.io/scrape") != "true")
            {
                problems.Add($"{deployment}: prometheus.io scrape annotations");
            }
        }

        Assert.True(problems.Count == 0, $"overlays/{overlay} is missing:\n" + string.Join("\n", problems));
    }

    [KustomizeTheory]
    [MemberData(nameof(Overlays))]
    public async Task Kustomize_Overlay_GracePeriodOutlastsTheEdgeDrain(string overlay)
    {
        var objects = await Kustomize.RenderAsync(Path.Combine(DeployPaths.K8s, "overlays", overlay));
        var edge = objects.Find("Deployment", "edge-gateway");
        var core = objects.Find("Deployment", "core-relay");
        var edgeGrace = edge is null ? 0 : Node.Number(edge.At("spec", "template", "spec"), "terminationGracePeriodSeconds") ?? 30;
        if (edge is not null)
        {
            // DRAIN_TIMEOUT defaults to 30 s; the preStop sleep comes before SIGTERM.
            var drain = edge.Environment(objects).GetValueOrDefault("DRAIN_TIMEOUT") ?? "30";
            var drainSeconds = int.Parse(drain.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture);
            var preStop = Node.Number(edge.Container, "lifecycle", "preStop", "sleep", "seconds") ?? 0;
            Assert.True(edgeGrace >= preStop + drainSeconds + 10, $"edge-gateway: terminationGracePeriodSeconds {edgeGrace} must exceed preStop {preStop} s + DRAIN_TIMEOUT {drainSeconds} s + 10 s for the closing events");
        }

        if (core is not null && edge is not null)
        {
            Assert.True(Node.Number(core.At("spec", "template", "spec"), "terminationGracePeriodSeconds") > edgeGrace, "core-relay must outlast the edges' drain");
        }
    }

    [KustomizeFact]
    public async Task Kustomize_CoreOverlay_RedisKeepsItsDataOnAVolumeAndNeverEvicts()
    {
        var objects = await Kustomize.RenderAsync(Path.Combine(DeployPaths.K8s, "overlays", "core"));
        var redis = objects.Find("Deployment", "redis");
        Assert.NotNull(redis);

        // Admin-created keys live only in Redis; an LRU policy would evict counters, which carry TTLs.
        var command = string.Join(' ', Node.List(redis.Container["args"]));
        Assert.Contains("--appendonly yes", command);
        Assert.Contains("--maxmemory-policy noeviction", command);
        var data = Node.List(redis.At("spec", "template", "spec", "volumes")).Single(v => Node.Text(v, "name") == "data");
        Assert.Equal("redis-data", Node.Text(data, "persistentVolumeClaim", "claimName"));
        Assert.Null(Node.At(data, "emptyDir"));
        Assert.NotNull(objects.Find("PersistentVolumeClaim", "redis-data"));
    }

    [KustomizeFact]
    public async Task Kustomize_DevOverlay_OnlyEdgesReachTheCore()
    {
        var objects = await Kustomize.RenderAsync(Path.Combine(DeployPaths.K8s, "overlays", "dev"));
        var policy = objects.Find("NetworkPolicy", "core-relay");
        Assert.NotNull(policy);
        var sources = Node.List(policy.At("spec", "ingress"))
            .SelectMany(rule => Node.List(Node.At(rule, "from")))
            .Select(from => Node.Text(from, "podSelector", "matchLabels", "app.kubernetes.io/name")
                ?? "namespace:" + Node.Text(from, "namespaceSelector", "matchLabels", "kubernetes.io/metadata.name"))
            .ToList();
        Assert.Equal(["edge-gateway", "namespace:monitoring"], sources);
        Assert.All(Node.List(policy.At("spec", "ingress")), rule => Assert.NotEmpty(Node.List(Node.At(rule, "from"))));
    }

    [KustomizeFact]
    public async Task Kustomize_CoreWithComponents_UsesExternalRedisAndListenQueueSysctls()
    {
        // The optional components, rendered the way an operator adds them to an overlay.
        var directory = Directory.CreateTempSubdirectory("aicdn-kustomize-").FullName;
        try
        {
            string Relative(params string[] parts) => Path.GetRelativePath(directory, Path.Combine([DeployPaths.K8s, .. parts]));
            await File.WriteAllTextAsync(Path.Combine(directory, "kustomization.yaml"), $"""
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources:
                  - {Relative("overlays", "core")}
                components:
                  - {Relative("components", "external-redis")}
                  - {Relative("components", "unsafe-sysctls")}
                """);
            var objects = await Kustomize.RenderAsync(directory);

            Assert.Null(objects.Find("Deployment", "redis"));
            Assert.Null(objects.Find("Service", "redis"));
            Assert.Null(objects.Find("PersistentVolumeClaim", "redis-data"));
            // auth-quota and core-relay (which decides against Redis itself) both get the external Redis.
            foreach (var name in new[] { "auth-quota", "core-relay" })
            {
                var workload = objects.Find("Deployment", name);
                Assert.NotNull(workload);
                var connection = Node.List(workload.Container["env"]).Single(e => Node.Text(e, "name") == "ConnectionStrings__redis");
                Assert.Null(Node.At(connection, "value"));
                Assert.Equal("connection-string", Node.Text(connection, "valueFrom", "secretKeyRef", "key"));
                Assert.DoesNotContain("REDIS_HOST", workload.Environment(objects).Keys);
                Assert.DoesNotContain("REDIS_PASSWORD", workload.Environment(objects).Keys);
            }

            var sysctls = Node.List(objects.Find("Deployment", "core-relay")!.At("spec", "template", "spec", "securityContext", "sysctls"))
                .Select(s => Node.Text(s, "name")).ToList();
            Assert.Contains("net.core.somaxconn", sysctls);
            Assert.Contains("net.ipv4.tcp_max_syn_backlog", sysctls);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [KustomizeFact]
    public async Task Kustomize_EveryOverlay_ReferencesOnlySecretsTheTemplatesDefine()
    {
        var templates = Directory.GetFiles(Path.Combine(DeployPaths.K8s, "secrets"), "*.yaml")
            .SelectMany(file => KubeObject.ParseAll(File.ReadAllText(file)))
            .ToList();
        Assert.All(templates, t => Assert.Equal("Secret", t.Kind));
        Assert.All(templates, t => Assert.All(Node.Map(t.At("stringData")).Values, v => Assert.Equal("", v)));
        var defined = templates.SelectMany(t => Node.Map(t.At("stringData")).Keys.Select(k => $"{t.Name}/{k}")).ToHashSet();

        var problems = new List<string>();
        foreach (var overlay in Kustomize.Overlays)
        {
            var objects = await Kustomize.RenderAsync(Path.Combine(DeployPaths.K8s, "overlays", overlay));
            foreach (var deployment in objects.Where(o => o.Kind == "Deployment"))
            {
                foreach (var entry in Node.List(deployment.Container.GetValueOrDefault("env")))
                {
                    var secret = Node.At(entry, "valueFrom", "secretKeyRef");
                    if (secret is not null && !defined.Contains($"{Node.Text(secret, "name")}/{Node.Text(secret, "key")}"))
                    {
                        problems.Add($"{overlay}: {deployment} uses {Node.Text(secret, "name")}/{Node.Text(secret, "key")}");
                    }
                }

                foreach (var volume in Node.List(deployment.At("spec", "template", "spec", "volumes")))
                {
                    var secretName = Node.Text(volume, "secret", "secretName");
                    if (secretName is not null && !templates.Any(t => t.Name == secretName))
                    {
                        problems.Add($"{overlay}: {deployment} mounts secret {secretName}");
                    }
                }
            }
        }

        Assert.True(problems.Count == 0, "Secrets without a template in deploy/k8s/secrets:\n" + string.Join("\n", problems));
    }
}
