using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AiCdn.Quota.Storage;

/// <summary>
/// The one Redis connection of this replica. It never throws at start-up and never gives up: with
/// <c>AbortOnConnectFail=false</c> StackExchange.Redis keeps reconnecting in the background, and
/// with the fail-fast backlog policy a command issued while disconnected fails at once (the decision
/// then applies the configured failure mode) instead of queueing behind a dead link.
/// auth-quota and core-relay each hold one; the client name tells them apart in <c>CLIENT LIST</c>.
/// </summary>
public sealed partial class RedisConnection : Microsoft.Extensions.Hosting.IHostedService, IAsyncDisposable
{
    public const string StoreName = "redis";

    private readonly ConfigurationOptions _configuration;
    private readonly IQuotaStoreObserver _observer;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisConnection> _logger;
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection;

    public RedisConnection(string connectionString, RedisStoreOptions redis, string clientName, IQuotaStoreObserver observer, TimeProvider time, ILogger<RedisConnection> logger)
    {
        if (!RedisConnectionString.TryParse(connectionString, out var configuration, out var error))
        {
            throw new InvalidOperationException("ConnectionStrings:redis is not valid: " + error);
        }

        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ConnectTimeout = (int)redis.ConnectTimeout.TotalMilliseconds;
        configuration.AsyncTimeout = (int)redis.CommandTimeout.TotalMilliseconds;
        configuration.SyncTimeout = (int)redis.CommandTimeout.TotalMilliseconds;
        configuration.ReconnectRetryPolicy = new ExponentialRetry(250, 2000);
        configuration.ClientName ??= clientName;
        _configuration = configuration;
        _observer = observer;
        _time = time;
        _logger = logger;
        KeyPrefix = redis.KeyPrefix;
        _connection = new(ConnectAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Raised when the connection comes back after a failure (Redis restarted, network healed).</summary>
    public event Action? Restored;

    /// <summary>
    /// Raised when any link to Redis drops, the subscription link included (under RESP3 they are one):
    /// messages published from then on may be lost, so whoever relies on them must stop trusting what
    /// they would have invalidated until it has seen its subscription deliver again.
    /// </summary>
    public event Action? AnyLinkLost;

    /// <summary>
    /// Raised when any link to Redis (interactive or subscription) is back. StackExchange.Redis
    /// re-subscribes by itself, but not necessarily before this is raised: listeners that need to
    /// know should probe their channel.
    /// </summary>
    public event Action? AnyLinkRestored;

    public string KeyPrefix { get; }

    /// <summary>Where Redis is (host:port list; never the password).</summary>
    public string Endpoints => string.Join(", ", _configuration.EndPoints);

    public bool IsConnected => _connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully && _connection.Value.Result.IsConnected;

    /// <summary>Runs one store call, timing it, and turns Redis failures into <see cref="QuotaStoreUnavailableException"/>.</summary>
    public async Task<T> ExecuteAsync<T>(string operation, Func<IDatabase, Task<T>> call)
    {
        var start = _time.GetTimestamp();
        var failed = true;
        try
        {
            var multiplexer = await _connection.Value;
            var result = await call(multiplexer.GetDatabase());
            failed = false;
            return result;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            LogCallFailed(_logger, operation, ex.GetType().Name, ex.Message);
            throw new QuotaStoreUnavailableException("The quota store (Redis) did not answer.", ex);
        }
        finally
        {
            _observer.StoreCall(StoreName, operation, _time.GetElapsedTime(start), failed);
        }
    }

    /// <summary>
    /// Subscribes to a channel (done when Redis has confirmed it); the handler sees messages one at a
    /// time, in order. StackExchange.Redis subscribes again by itself after a reconnect.
    /// </summary>
    public async Task SubscribeAsync(string channel, Action<RedisValue> handler)
    {
        try
        {
            var multiplexer = await _connection.Value;
            // A queue hands messages over one at a time, in the order Redis sent them.
            var queue = await multiplexer.GetSubscriber().SubscribeAsync(RedisChannel.Literal(channel));
            queue.OnMessage(message => handler(message.Message));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new QuotaStoreUnavailableException("Could not subscribe to " + channel + ".", ex);
        }
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        var multiplexer = await _connection.Value.WaitAsync(cancellationToken);
        if (!multiplexer.IsConnected)
        {
            return false;
        }

        try
        {
            await multiplexer.GetDatabase().PingAsync();
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return false;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Start connecting now, without holding start-up hostage to Redis being up.
        _ = _connection.Value;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            var multiplexer = await _connection.Value;
            await multiplexer.CloseAsync();
            await multiplexer.DisposeAsync();
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration);
        multiplexer.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                LogConnectionFailed(_logger, e.EndPoint?.ToString(), e.FailureType.ToString());
            }

            AnyLinkLost?.Invoke();
        };
        multiplexer.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive)
            {
                LogConnectionRestored(_logger, e.EndPoint?.ToString());
                Restored?.Invoke();
            }

            AnyLinkRestored?.Invoke();
        };
        if (!multiplexer.IsConnected)
        {
            LogNotYetConnected(_logger, Endpoints);
        }

        return multiplexer;
    }

    [LoggerMessage(EventId = 950, EventName = "RedisNotYetConnected", Level = LogLevel.Warning, Message = "Redis at {Endpoints} is not reachable yet; reconnecting in the background.")]
    private static partial void LogNotYetConnected(ILogger logger, string endpoints);

    [LoggerMessage(EventId = 951, EventName = "RedisConnectionFailed", Level = LogLevel.Warning, Message = "Lost the Redis connection to {Endpoint} ({FailureType}); reconnecting in the background.")]
    private static partial void LogConnectionFailed(ILogger logger, string? endpoint, string failureType);

    [LoggerMessage(EventId = 952, EventName = "RedisConnectionRestored", Level = LogLevel.Information, Message = "Redis connection to {Endpoint} restored.")]
    private static partial void LogConnectionRestored(ILogger logger, string? endpoint);

    [LoggerMessage(EventId = 953, EventName = "RedisCallFailed", Level = LogLevel.Debug, Message = "Redis call {Operation} failed: {ExceptionType}: {ExceptionMessage}")]
    private static partial void LogCallFailed(ILogger logger, string operation, string exceptionType, string exceptionMessage);
}
