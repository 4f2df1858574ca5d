using AiCdn.Quota;

namespace AiCdn.AuthQuota.Keys.File;

/// <summary>A keys file that passed validation.</summary>
public sealed record KeysFileContent(IReadOnlyDictionary<string, KeyLimits> Tenants, IReadOnlyList<ApiKeyRecord> Keys);
