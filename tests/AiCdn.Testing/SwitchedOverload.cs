using AiCdn.Common.Overload;
using Microsoft.Extensions.DependencyInjection;

namespace AiCdn.Testing;

/// <summary>An overload signal a test turns on and off, in place of the one that measures the machine.</summary>
public sealed class SwitchedOverload : IOverloadSignal
{
    private volatile bool _overloaded;

    public bool Overloaded
    {
        get => _overloaded;
        set => _overloaded = value;
    }

    public void AddTo(IServiceCollection services) => services.AddSingleton<IOverloadSignal>(this);
}
