using System.ComponentModel.DataAnnotations;

namespace AiCdn.Common.Security;

/// <summary>
/// How AiCdn hops prove to each other that a request is internal. Bound from <c>Cluster</c>;
/// <c>AICDN_CLUSTER_SECRET</c> is the environment alias.
/// </summary>
public sealed class ClusterOptions
{
    public const string SectionName = "Cluster";

    /// <summary>The shared secret every edge, core and auth-quota of one deployment holds (at least 16 characters).</summary>
    [Required(ErrorMessage = "Cluster:Secret (AICDN_CLUSTER_SECRET) is required: the shared secret that lets edges call the core and the core call auth-quota.")]
    [MinLength(16, ErrorMessage = "Cluster:Secret (AICDN_CLUSTER_SECRET) must be at least 16 characters long.")]
    public string? Secret { get; set; }
}
