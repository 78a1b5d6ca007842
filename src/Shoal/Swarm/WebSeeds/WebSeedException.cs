namespace Shoal.Swarm.WebSeeds;

/// <summary>A web seed request that failed, with the kind of failure and any wait the server asked for.</summary>
public sealed class WebSeedException(WebSeedFailure failure, string message, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    public WebSeedFailure Failure { get; } = failure;

    /// <summary>The server's Retry-After, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
