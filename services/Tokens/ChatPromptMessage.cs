namespace AiCdn.Tokens;

/// <summary>The parts of a chat message that count towards the prompt's tokens.</summary>
public readonly record struct ChatPromptMessage(string? Role, string? Content, string? Name = null);
