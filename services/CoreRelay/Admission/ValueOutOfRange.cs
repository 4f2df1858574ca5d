namespace AiCdn.CoreRelay.Admission;

/// <summary>A request field whose value is outside what OpenAI accepts, and the message it is refused with.</summary>
/// <param name="Param">The field's name, as OpenAI's error names it in <c>param</c>.</param>
/// <param name="Message">OpenAI's wording: <c>Invalid 'n': integer below minimum value. ...</c></param>
public sealed record ValueOutOfRange(string Param, string Message);
