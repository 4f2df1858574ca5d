using Microsoft.Extensions.Logging;

namespace AiCdn.Testing;

internal static class LoggingExtensions
{
    /// <summary>Tests are quiet unless AICDN_TEST_LOG_LEVEL asks for more.</summary>
    public static ILoggingBuilder SetMinimumLevelFromEnvironment(this ILoggingBuilder logging)
    {
        var level = Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("AICDN_TEST_LOG_LEVEL"), ignoreCase: true, out var parsed)
            ? parsed
            : LogLevel.Warning;
        return logging.SetMinimumLevel(level);
    }
}
