namespace AiCdn.Testing;

/// <summary>How a tool run by <see cref="Processes"/> ended, and what it printed.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Everything it printed, standard output first.</summary>
    public string Output => StandardOutput + StandardError;

    public override string ToString() => Describe("the command");

    public string Describe(string command) =>
        $"{command} exited with {ExitCode}.\n--- stdout ---\n{Tail(StandardOutput)}\n--- stderr ---\n{Tail(StandardError)}";

    private static string Tail(string text) => text.Length <= 8000 ? text : "...\n" + text[^8000..];
}
