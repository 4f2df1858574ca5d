using System.Diagnostics.CodeAnalysis;

namespace AiCdn.Common.Routing;

/// <summary>
/// One attempt at a client request on a core, as the edge names it in <see cref="Header"/>: a random
/// group shared by every attempt at the request, and the attempt's number. The core reserves quota
/// under this name, so the core that takes attempt 2 can cancel what attempt 1 reserved on a core
/// that died before answering: the client is charged once, for the attempt it received.
/// The edge always sets the header (a client's own value is replaced); only edges reach a core.
/// </summary>
public readonly record struct CoreAttempt
{
    public const string Header = "x-aicdn-attempt";

    /// <summary>At most this many attempts are numbered (one digit).</summary>
    public const int MaxNumber = 9;

    private const int GroupLength = 32;

    private CoreAttempt(string group, int number)
    {
        Group = group;
        Number = number;
    }

    /// <summary>32 lowercase hex digits, random per client request.</summary>
    public string Group { get; }

    /// <summary>1 for the first core tried, then 2, 3, ...</summary>
    public int Number { get; }

    public static CoreAttempt First() => new(Guid.NewGuid().ToString("N"), 1);

    public CoreAttempt Next() => Number < MaxNumber ? new(Group, Number + 1) : throw new InvalidOperationException("No attempt after the ninth.");

    /// <summary>The name of attempt <paramref name="number"/> of the same request: its reservation id.</summary>
    public string NameOf(int number) => string.Create(GroupLength + 2, (Group, number), static (span, state) =>
    {
        state.Group.CopyTo(span);
        span[GroupLength] = '.';
        span[GroupLength + 1] = (char)('0' + state.number);
    });

    public override string ToString() => NameOf(Number);

    /// <summary>Reads a header value written by <see cref="ToString"/>; anything else is not an attempt.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out CoreAttempt? attempt)
    {
        attempt = null;
        if (value is not { Length: GroupLength + 2 } || value[GroupLength] != '.' || value[^1] is < '1' or > '9')
        {
            return false;
        }

        foreach (var c in value.AsSpan(0, GroupLength))
        {
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        attempt = new CoreAttempt(value[..GroupLength], value[^1] - '0');
        return true;
    }
}
