namespace AiCdn.AuthQuota.Admin;

/// <summary>Who changed which key: ids and tenants only, never a key or a digest.</summary>
public sealed partial class AdminAuditLog(ILogger<AdminAuditLog> logger)
{
    public void Created(string id, string tenant) => LogCreated(logger, id, tenant);

    public void Updated(string id, string tenant, bool enabled) => LogUpdated(logger, id, tenant, enabled);

    public void Deleted(string id, string tenant) => LogDeleted(logger, id, tenant);

    [LoggerMessage(EventId = 30, EventName = "AdminKeyCreated", Level = LogLevel.Information, Message = "Admin API created key {KeyId} for tenant {Tenant}.")]
    private static partial void LogCreated(ILogger logger, string keyId, string tenant);

    [LoggerMessage(EventId = 31, EventName = "AdminKeyUpdated", Level = LogLevel.Information, Message = "Admin API changed key {KeyId} of tenant {Tenant} (enabled: {Enabled}).")]
    private static partial void LogUpdated(ILogger logger, string keyId, string tenant, bool enabled);

    [LoggerMessage(EventId = 32, EventName = "AdminKeyDeleted", Level = LogLevel.Information, Message = "Admin API deleted key {KeyId} of tenant {Tenant}.")]
    private static partial void LogDeleted(ILogger logger, string keyId, string tenant);
}
