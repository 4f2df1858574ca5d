namespace AiCdn.EdgeGateway.WebSockets;

/// <summary>One client message on the chat socket, read by <see cref="ChatRequestMessages.TryRead"/>.</summary>
/// <param name="Id">The client's id as raw JSON (a string or number literal), or null when it gave none.</param>
/// <param name="IsCancel">The message asks to cancel the running request <paramref name="Id"/>.</param>
/// <param name="Body">The chat-completion request to send to the core (streamed, with usage), when not a cancel.</param>
public sealed record ChatRequestMessage(string? Id, bool IsCancel, byte[]? Body);
