using AiCdn.LlmMock.Faults;

namespace AiCdn.LlmMock;

/// <summary>The mock's log messages. Keys never appear in them, only whether one was accepted.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Mock origin: time to first token {TtftMs} ms, {IntervalMs} ms between tokens, {Tokens} tokens by default; origin key {KeyRequired}; configured fault rate {FaultRate:0.###}")]
    public static partial void Started(ILogger logger, int ttftMs, int intervalMs, int tokens, string keyRequired, double faultRate);

    [LoggerMessage(2, LogLevel.Debug, "Injecting fault {Fault} into {Path}")]
    public static partial void FaultInjected(ILogger logger, FaultPlan fault, PathString path);

    [LoggerMessage(3, LogLevel.Information, "Rejected a {Path} request: missing or wrong origin API key")]
    public static partial void KeyRejected(ILogger logger, PathString path);

    [LoggerMessage(4, LogLevel.Debug, "Client left {Path} after {Chunks} content chunks")]
    public static partial void ClientLeft(ILogger logger, PathString path, int chunks);

    [LoggerMessage(5, LogLevel.Debug, "Reset the connection of {Path} after {Chunks} content chunks (fault)")]
    public static partial void ConnectionReset(ILogger logger, PathString path, int chunks);
}
