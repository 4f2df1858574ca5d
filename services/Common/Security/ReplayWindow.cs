using System.Collections.Concurrent;

namespace AiCdn.Common.Security;

/// <summary>
/// Which signature nonces were already accepted, per signer: the sliding anti-replay window of
/// IPsec (RFC 4303 §3.4.3). Each signer numbers its signatures 1, 2, 3...; the highest number seen
/// and a bitmap of the <see cref="WindowSize"/> numbers below it are kept. A number seen before, or
/// older than the window, is refused. Requests signed by one edge reach a core out of order (many
/// HTTP/2 streams, other cores taking some), never by more than the window.
/// Memory: <see cref="WindowSize"/> / 8 bytes per signer seen within <c>forgetAfter</c>, at most
/// <see cref="MaxSigners"/> of them. Only holders of the cluster secret can create signers.
/// </summary>
public sealed class ReplayWindow(TimeProvider time, TimeSpan forgetAfter)
{
    /// <summary>Numbers remembered below the highest one seen, per signer.</summary>
    public const int WindowSize = 1 << 17;

    /// <summary>Signers tracked at once; a new one beyond this is refused until idle ones are forgotten.</summary>
    public const int MaxSigners = 1024;

    private readonly ConcurrentDictionary<string, Signer> _signers = new(StringComparer.Ordinal);

    /// <summary>True the first time <paramref name="nonce"/> is offered for <paramref name="signer"/>, false ever after.</summary>
    public bool TryAccept(string signer, long nonce)
    {
        if (nonce <= 0)
        {
            return false;
        }

        var now = time.GetTimestamp();
        if (!_signers.TryGetValue(signer, out var state))
        {
            if (_signers.Count >= MaxSigners)
            {
                ForgetIdle(now);
                if (_signers.Count >= MaxSigners)
                {
                    return false;
                }
            }

            state = _signers.GetOrAdd(signer, static _ => new Signer());
        }

        return state.TryAccept(nonce, now);
    }

    /// <summary>Signers tracked now (for tests and diagnostics).</summary>
    internal int Count => _signers.Count;

    /// <summary>
    /// A signer idle for longer than twice the allowed clock skew can be forgotten: any signature it
    /// made before then is too old to be accepted anyway.
    /// </summary>
    private void ForgetIdle(long now)
    {
        foreach (var (name, state) in _signers)
        {
            if (time.GetElapsedTime(state.LastUsed, now) > forgetAfter)
            {
                _signers.TryRemove(KeyValuePair.Create(name, state));
            }
        }
    }

    private sealed class Signer
    {
        private readonly Lock _gate = new();
        private readonly ulong[] _seen = new ulong[WindowSize / 64];
        private long _highest;

        public long LastUsed { get; private set; }

        public bool TryAccept(long nonce, long now)
        {
            lock (_gate)
            {
                LastUsed = now;
                if (nonce > _highest)
                {
                    var advance = nonce - _highest;
                    if (advance >= WindowSize)
                    {
                        Array.Clear(_seen);
                    }
                    else
                    {
                        for (var n = _highest + 1; n <= nonce; n++)
                        {
                            Clear(n);
                        }
                    }

                    _highest = nonce;
                    Set(nonce);
                    return true;
                }

                if (nonce <= _highest - WindowSize || IsSet(nonce))
                {
                    return false;
                }

                Set(nonce);
                return true;
            }
        }

        private static (int Word, ulong Bit) Slot(long nonce)
        {
            var index = (int)(nonce % WindowSize);
            return (index >> 6, 1UL << (index & 63));
        }

        private bool IsSet(long nonce) => (_seen[Slot(nonce).Word] & Slot(nonce).Bit) != 0;

        private void Set(long nonce)
        {
            var (word, bit) = Slot(nonce);
            _seen[word] |= bit;
        }

        private void Clear(long nonce)
        {
            var (word, bit) = Slot(nonce);
            _seen[word] &= ~bit;
        }
    }
}
