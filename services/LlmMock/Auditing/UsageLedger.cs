using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace AiCdn.LlmMock.Auditing;

/// <summary>
/// What the origin produced for each chat completion's <c>user</c> (OpenAI's end-user tag): the
/// prompt of every request it served and every completion token it sent, for streams cut midway
/// too. A load or fault test tags requests with their caller and holds the relay's accounting to
/// it (<c>GET /mock/usage</c>). Bounded: past <see cref="MaxUsers"/> distinct tags, new ones are
/// counted under <c>other</c>.
/// </summary>
public sealed class UsageLedger
{
    public const int MaxUsers = 10_000;
    public const string Untagged = "-";
    public const string Other = "other";

    private readonly ConcurrentDictionary<string, Account> _accounts = new(StringComparer.Ordinal);

    public void Record(string? user, long promptTokens, long completionTokens)
    {
        var name = string.IsNullOrEmpty(user) ? Untagged : user.Length > 128 ? user[..128] : user;
        if (!_accounts.TryGetValue(name, out var account))
        {
            account = _accounts.Count < MaxUsers ? _accounts.GetOrAdd(name, static _ => new Account()) : _accounts.GetOrAdd(Other, static _ => new Account());
        }

        Interlocked.Add(ref account.Prompt, promptTokens);
        Interlocked.Add(ref account.Completion, completionTokens);
    }

    public IReadOnlyDictionary<string, UserUsage> Snapshot() =>
        _accounts.ToDictionary(a => a.Key, a => new UserUsage(Interlocked.Read(ref a.Value.Prompt), Interlocked.Read(ref a.Value.Completion)), StringComparer.Ordinal);

    public void Clear() => _accounts.Clear();

    private sealed class Account
    {
        public long Prompt;
        public long Completion;
    }
}

/// <summary>Tokens the origin produced for one <c>user</c>.</summary>
public sealed record UserUsage(
    [property: JsonPropertyName("prompt_tokens")] long PromptTokens,
    [property: JsonPropertyName("completion_tokens")] long CompletionTokens);
