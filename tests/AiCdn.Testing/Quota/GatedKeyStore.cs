using AiCdn.AuthQuota.Keys;

namespace AiCdn.Testing.Quota;

/// <summary>
/// A key store whose digest lookups, once <see cref="Arm"/>ed, read the record and then wait to be
/// <see cref="Release"/>d before answering: a read that began before a change and answers after it,
/// as a slow network or a paused process makes one.
/// </summary>
public sealed class GatedKeyStore(IKeyStore inner) : IKeyStore
{
    private volatile TaskCompletionSource? _gate;

    /// <summary>Completes when an armed lookup has read its record and is waiting.</summary>
    public TaskCompletionSource Held { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Arm()
    {
        Held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Release() => Interlocked.Exchange(ref _gate, null)?.TrySetResult();

    public async ValueTask<ApiKeyRecord?> FindByHashAsync(string hash, CancellationToken cancellationToken)
    {
        var record = await inner.FindByHashAsync(hash, cancellationToken);
        if (_gate is { } gate)
        {
            Held.TrySetResult();
            await gate.Task.WaitAsync(cancellationToken);
        }

        return record;
    }

    public ValueTask<ApiKeyRecord?> FindByIdAsync(string id, CancellationToken cancellationToken) => inner.FindByIdAsync(id, cancellationToken);

    public ValueTask<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

    public ValueTask<bool> CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken) => inner.CreateAsync(key, cancellationToken);

    public ValueTask<KeyUpdateResult> UpdateAsync(ApiKeyRecord key, long expectedVersion, CancellationToken cancellationToken) =>
        inner.UpdateAsync(key, expectedVersion, cancellationToken);

    public ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken) => inner.DeleteAsync(id, cancellationToken);

    /// <summary>While set, declarative syncs wait before they write (a replica slow to rewrite its keys).</summary>
    public TaskCompletionSource? SyncGate { get; set; }

    public async ValueTask<KeySyncResult> SyncSourceAsync(string source, IReadOnlyList<ApiKeyRecord> keys, CancellationToken cancellationToken)
    {
        if (SyncGate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        return await inner.SyncSourceAsync(source, keys, cancellationToken);
    }

    public ValueTask MarkSourcesSyncedAsync(CancellationToken cancellationToken) => inner.MarkSourcesSyncedAsync(cancellationToken);

    public ValueTask<bool> IsRebuildingAsync(CancellationToken cancellationToken) => inner.IsRebuildingAsync(cancellationToken);
}
