namespace AiCdn.CoreRelay.Accounting;

/// <summary>Receives the events an <see cref="SseEventReader"/> frames, one whole event per call.</summary>
public interface ISseEventSink
{
    /// <param name="bytes">The event, including its terminating blank line.</param>
    /// <param name="isEvent">False for bytes relayed without framing (an event too large to inspect).</param>
    void OnEvent(ReadOnlySpan<byte> bytes, bool isEvent);
}
