namespace AiCdn.AppHost;

public static class LoopbackEndpoints
{
    /// <summary>
    /// An endpoint the service binds from <paramref name="variable"/> rather than from
    /// <c>ASPNETCORE_URLS</c> (metrics and health, the core's h2c link). Given a bare port, the
    /// services listen on every interface, which is what a pod needs; on a developer's machine these
    /// endpoints are for the other local processes only, so the AppHost hands them
    /// <c>localhost:&lt;port&gt;</c> and they stay off the machine's network addresses.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithLoopbackEndpoint(this IResourceBuilder<ProjectResource> project, string name, string variable)
    {
        project.WithEndpoint(name: name, scheme: "http", env: variable);
        var endpoint = project.GetEndpoint(name);
        return project.WithEnvironment(context =>
            context.EnvironmentVariables[variable] = ReferenceExpression.Create($"localhost:{endpoint.Property(EndpointProperty.TargetPort)}"));
    }
}
