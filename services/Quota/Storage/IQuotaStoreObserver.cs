namespace AiCdn.Quota.Storage;

/// <summary>Told of every call to the quota store, so each service's own metrics class can time it.</summary>
public interface IQuotaStoreObserver
{
    void StoreCall(string store, string operation, TimeSpan elapsed, bool failed);
}
