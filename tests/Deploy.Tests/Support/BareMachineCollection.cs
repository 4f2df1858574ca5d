namespace AiCdn.Deploy.Tests.Support;

/// <summary>The deployed nodes are shared by the bare-machine tests, which run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class BareMachineCollection : ICollectionFixture<BareMachineFixture>
{
    public const string Name = "bare machine nodes";
}
