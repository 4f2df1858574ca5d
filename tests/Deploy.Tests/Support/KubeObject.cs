using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace AiCdn.Deploy.Tests.Support;

/// <summary>One rendered Kubernetes object, as the YAML's maps, lists and strings.</summary>
public sealed class KubeObject(Dictionary<object, object> root)
{
    public string Kind => (string)Node.At(root, "kind")!;

    public string Name => (string)Node.At(root, "metadata", "name")!;

    public object? At(params string[] path) => Node.At(root, path);

    /// <summary>The first container of a workload's pod template.</summary>
    public Dictionary<object, object> Container =>
        Node.Map(Node.List(At("spec", "template", "spec", "containers")).First());

    public override string ToString() => $"{Kind}/{Name}";

    /// <summary>Every document of a multi-document YAML stream.</summary>
    public static List<KubeObject> ParseAll(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        var objects = new List<KubeObject>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (deserializer.Deserialize(parser) is Dictionary<object, object> document)
            {
                objects.Add(new KubeObject(document));
            }
        }

        return objects;
    }
}
