using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AiCdn.Testing;

/// <summary>Keeps every formatted log line (category, message, exception) of a service, at every level.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines.ToArray();

    /// <summary>Captures every level of every category, whatever the service's own filters say.</summary>
    public void AddTo(IServiceCollection services) =>
        services.AddLogging(logging => logging.AddProvider(this).AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace));

    /// <summary>Captures what the service's own filters let through, as its console would show it.</summary>
    public void AddHonouringFilters(IServiceCollection services) =>
        services.AddLogging(logging => logging.AddProvider(this));

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IReadOnlyList<KeyValuePair<string, object?>> values
                ? string.Join(' ', values.Select(v => $"{v.Key}={v.Value}"))
                : string.Empty;
            lines.Enqueue($"{logLevel} {category} [{eventId.Name}] {formatter(state, exception)} {structured} {exception}");
        }
    }
}
