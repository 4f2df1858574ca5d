namespace AiCdn.Deploy.Tests;

public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Describe(string command) =>
        $"{command} exited with {ExitCode}.\n--- stdout ---\n{Tail(StandardOutput)}\n--- stderr ---\n{Tail(StandardError)}";

    private static string Tail(string text) => text.Length <= 8000 ? text : "...\n" + text[^8000..];
}
