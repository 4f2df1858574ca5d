namespace AiCdn.Quota.Storage;

/// <summary>The shared store (Redis) could not answer: disconnected, timed out or refused the command.</summary>
public sealed class QuotaStoreUnavailableException : Exception
{
    public QuotaStoreUnavailableException()
    {
    }

    public QuotaStoreUnavailableException(string message)
        : base(message)
    {
    }

    public QuotaStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
