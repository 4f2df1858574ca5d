namespace AiCdn.AuthQuota.Keys;

/// <summary>Where API keys live, looked up by digest only.</summary>
public interface IKeyStore
{
    ValueTask<ApiKeyRecord?> FindByHashAsync(string hash, CancellationToken cancellationToken);

    ValueTask AddAsync(ApiKeyRecord key, CancellationToken cancellationToken);
}
