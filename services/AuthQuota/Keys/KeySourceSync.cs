using System.Security.Cryptography;
using System.Threading.Channels;
using AiCdn.AuthQuota.Keys.File;
using AiCdn.AuthQuota.Keys.Redis;
using AiCdn.AuthQuota.Tenants;
using AiCdn.Quota.Keys;
using AiCdn.Quota.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AiCdn.AuthQuota.Keys;

/// <summary>
/// Keeps the store's declarative keys equal to <c>API_KEYS</c> and the keys file: at start-up, when
/// the file changes, and whenever Redis comes back (a restarted Redis without persistence has lost
/// them). A store that is down does not stop start-up: the sync is retried until it succeeds. An
/// invalid file stops start-up; an invalid change later is logged and the last good file stays.
/// Retries and file polling run on the real clock on purpose: the injected clock drives quota
/// windows, and tests freeze it.
/// </summary>
public sealed partial class KeySourceSync : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(100);

    private readonly IKeyStore _store;
    private readonly TenantDirectory _tenants;
    private readonly LastKnownKeys _lastKnown;
    private readonly AuthQuotaOptions _options;
    private readonly RedisConnection? _redis;
    private readonly ILogger<KeySourceSync> _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private FileSystemWatcher? _watcher;

    private IReadOnlyList<ApiKeyRecord> _apiKeys = [];
    private KeysFileContent? _file;
    private string? _fileDigest;

    // Each Redis restore starts a new generation; a source is in the store when it was synced in
    // the current one (a sync racing with a restore does not count for the new generation).
    private int _generation;
    private int _apiKeysSyncedIn = -1;
    private volatile int _fileSyncedIn = -1;
    private int _markedIn = -1;

    public KeySourceSync(IKeyStore store, TenantDirectory tenants, LastKnownKeys lastKnown, IOptions<AuthQuotaOptions> options, ILogger<KeySourceSync> logger, RedisConnection? redis = null)
    {
        _store = store;
        _tenants = tenants;
        _lastKnown = lastKnown;
        _options = options.Value;
        _logger = logger;
        _redis = redis;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _apiKeys = ApiKeysSource.Read(_options);
        Remember(_apiKeys);
        if (_options.KeysFile is { Length: > 0 } path)
        {
            // Invalid at start-up is fatal (the options validator reports it first, with every problem).
            if (!TryReloadFile(path, out var errors))
            {
                throw new InvalidOperationException($"Keys file {path}: {string.Join("; ", errors)}");
            }

            Watch(path);
        }

        if (_redis is not null)
        {
            _redis.Restored += OnStoreRestored;
        }

        if (_store is RedisKeyStore redisStore)
        {
            redisStore.KeysLost += OnKeysLost;
        }

        // One attempt before serving, so a healthy store has its keys from the first request on.
        await SyncAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_redis is not null)
        {
            _redis.Restored -= OnStoreRestored;
        }

        if (_store is RedisKeyStore redisStore)
        {
            redisStore.KeysLost -= OnKeysLost;
        }

        _watcher?.Dispose();
        await base.StopAsync(cancellationToken);
        await AnnounceLeavingAsync(cancellationToken);
    }

    /// <summary>
    /// Tenant limits and the reservation TTL live in each replica's configuration, so cores may hold
    /// contexts this replica built on settings the others no longer have (a rollout). The web server
    /// stops before the hosted services, so no context is handed out after this: announcing '*'
    /// makes every core drop what it holds from this replica. (A crashed replica cannot announce;
    /// its contexts then last up to the cores' KeyContextMaxAge.)
    /// </summary>
    private async Task AnnounceLeavingAsync(CancellationToken cancellationToken)
    {
        if (_redis is null)
        {
            return;
        }

        try
        {
            var channel = RedisChannel.Literal(KeyChangeChannel.Name(_redis.KeyPrefix));
            await _redis.ExecuteAsync("key_announce", db => db.PublishAsync(channel, KeyChangeChannel.Everything)).WaitAsync(cancellationToken);
            LogLeavingAnnounced(_logger);
        }
        catch (Exception ex) when (ex is QuotaStoreUnavailableException or OperationCanceledException)
        {
            LogLeavingNotAnnounced(_logger);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            var generation = Volatile.Read(ref _generation);
            var pending = _apiKeysSyncedIn != generation || _fileSyncedIn != generation;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            wait.CancelAfter(pending ? retry : PollInterval);
            try
            {
                await _wake.Reader.ReadAsync(wait.Token);
                await Task.Delay(Debounce, stoppingToken);
                _wake.Reader.TryRead(out _);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // Poll or retry time.
            }

            if (_options.KeysFile is { Length: > 0 } path)
            {
                TryReloadFile(path, out _);
            }

            if (await SyncAsync(stoppingToken))
            {
                retry = TimeSpan.FromMilliseconds(250);
            }
            else
            {
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    /// <summary>Syncs what has not been synced yet; true when everything is in the store.</summary>
    private async Task<bool> SyncAsync(CancellationToken cancellationToken)
    {
        var generation = Volatile.Read(ref _generation);
        try
        {
            if (_apiKeysSyncedIn != generation)
            {
                var result = await _store.SyncSourceAsync(KeySources.ApiKeys, _apiKeys, cancellationToken);
                _apiKeysSyncedIn = generation;
                LogSynced(_logger, "API_KEYS", result.Written, result.Removed);
            }

            if (_fileSyncedIn != generation)
            {
                var keys = _file?.Keys ?? [];
                var result = await _store.SyncSourceAsync(KeySources.File, keys, cancellationToken);
                _fileSyncedIn = generation;
                if (_file is not null)
                {
                    LogSynced(_logger, _options.KeysFile!, result.Written, result.Removed);
                }
            }

            if (_markedIn != generation)
            {
                // Only now may a key that is not found be called invalid (see IKeyStore.IsRebuildingAsync).
                await _store.MarkSourcesSyncedAsync(cancellationToken);
                _markedIn = generation;
            }

            return true;
        }
        catch (QuotaStoreUnavailableException)
        {
            LogSyncDeferred(_logger);
            return false;
        }
    }

    private bool TryReloadFile(string path, out List<string> errors)
    {
        errors = [];
        byte[] bytes;
        try
        {
            bytes = System.IO.File.ReadAllBytes(path);
        }
        catch (IOException ex)
        {
            errors.Add(ex.Message);
            LogFileInvalid(_logger, path, ex.Message);
            return false;
        }
        catch (UnauthorizedAccessException ex)
        {
            errors.Add(ex.Message);
            LogFileInvalid(_logger, path, ex.Message);
            return false;
        }

        var digest = Convert.ToHexString(SHA256.HashData(bytes));
        if (digest == _fileDigest)
        {
            return true;
        }

        var content = KeysFileParser.Parse(System.Text.Encoding.UTF8.GetString(bytes), _options.DefaultLimits.ToLimits(), errors);
        if (content is null)
        {
            LogFileInvalid(_logger, path, string.Join("; ", errors));
            return false;
        }

        _file = content;
        _fileDigest = digest;
        _fileSyncedIn = -1;
        _tenants.UseFileTenants(content.Tenants);
        Remember(content.Keys);
        LogFileLoaded(_logger, path, content.Keys.Count, content.Tenants.Count);
        return true;
    }

    private void Watch(string path)
    {
        var full = Path.GetFullPath(path);

        // The whole directory: editors replace files and Kubernetes swaps a ConfigMap's symlink,
        // neither of which is a change event on the file itself. The poll covers missed events.
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(full)!)
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime | NotifyFilters.DirectoryName,
        };
        _watcher.Changed += (_, _) => _wake.Writer.TryWrite(true);
        _watcher.Created += (_, _) => _wake.Writer.TryWrite(true);
        _watcher.Renamed += (_, _) => _wake.Writer.TryWrite(true);
        _watcher.Deleted += (_, _) => _wake.Writer.TryWrite(true);
        _watcher.EnableRaisingEvents = true;
    }

    private void OnStoreRestored()
    {
        Interlocked.Increment(ref _generation);
        _wake.Writer.TryWrite(true);
    }

    /// <summary>A lookup found the store without its keys (flushed, or restarted before a reconnect was seen): write them back now, once.</summary>
    private void OnKeysLost()
    {
        var generation = Volatile.Read(ref _generation);
        if (_markedIn == generation)
        {
            Interlocked.CompareExchange(ref _generation, generation + 1, generation);
        }

        _wake.Writer.TryWrite(true);
    }

    private void Remember(IEnumerable<ApiKeyRecord> keys)
    {
        foreach (var key in keys)
        {
            _lastKnown.Remember(key.Hash, key);
        }
    }

    [LoggerMessage(EventId = 10, EventName = "KeysSynced", Level = LogLevel.Information, Message = "Keys from {Source} are in the store: {Written} written, {Removed} no longer listed and removed (stored as SHA-256 digests only).")]
    private static partial void LogSynced(ILogger logger, string source, int written, int removed);

    [LoggerMessage(EventId = 14, EventName = "KeysLeavingAnnounced", Level = LogLevel.Information, Message = "Stopping: announced '*' so that cores drop the key contexts this replica handed out.")]
    private static partial void LogLeavingAnnounced(ILogger logger);

    [LoggerMessage(EventId = 15, EventName = "KeysLeavingNotAnnounced", Level = LogLevel.Warning, Message = "Stopping: the '*' announcement was not confirmed (the quota store did not answer, or shutdown ran out of time): cores may keep the key contexts this replica handed out up to their KeyContextMaxAge.")]
    private static partial void LogLeavingNotAnnounced(ILogger logger);

    [LoggerMessage(EventId = 11, EventName = "KeysSyncDeferred", Level = LogLevel.Warning, Message = "The quota store is unavailable; declarative keys will be written when it answers.")]
    private static partial void LogSyncDeferred(ILogger logger);

    [LoggerMessage(EventId = 12, EventName = "KeysFileInvalid", Level = LogLevel.Error, Message = "Keys file {Path} was not applied (the last good version stays in force): {Problems}")]
    private static partial void LogFileInvalid(ILogger logger, string path, string problems);

    [LoggerMessage(EventId = 13, EventName = "KeysFileLoaded", Level = LogLevel.Information, Message = "Keys file {Path} loaded: {Keys} key(s), {Tenants} tenant(s).")]
    private static partial void LogFileLoaded(ILogger logger, string path, int keys, int tenants);
}
