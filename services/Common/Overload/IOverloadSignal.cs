namespace AiCdn.Common.Overload;

/// <summary>Whether this process should refuse new requests now because it cannot keep up.</summary>
public interface IOverloadSignal
{
    bool Overloaded { get; }
}
