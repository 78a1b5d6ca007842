namespace Shoal.Swarm.WebSeeds;

/// <summary>Why a web seed request failed; decides how long to wait before the next try.</summary>
public enum WebSeedFailure
{
    None,
    /// <summary>5xx, a connection that failed or broke, a response that did not match the request.</summary>
    ServerError,
    /// <summary>No complete answer within <see cref="WebSeedOptions.RequestTimeout"/>.</summary>
    Timeout,
    /// <summary>404 or 410: the file is not there.</summary>
    NotFound,
    /// <summary>Another 4xx, too many redirects, or a server that ignores range requests.</summary>
    Refused,
    /// <summary>The address is private (or not allowed) and the torrent did not come from the user.</summary>
    AddressNotAllowed,
    /// <summary>Its data failed verification: the seed is dropped for good (BEP 19).</summary>
    BadData,
}
