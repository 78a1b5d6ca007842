namespace Shoal.Swarm.WebSeeds;

/// <summary>Bounds on what one web seed may cost: time, redirects, connections, and how long to wait after failures.</summary>
public sealed record WebSeedOptions
{
    /// <summary>One HTTP request, headers and body, must finish within this.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Connecting to the server must finish within this.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Largest range asked for in one request (a whole piece when smaller): a big piece from a slow server arrives in
    /// parts, each within <see cref="RequestTimeout"/>, instead of timing out whole again and again.
    /// </summary>
    public int MaxRequestBytes { get; init; } = 1024 * 1024;

    /// <summary>Redirects followed for one request (each one checked like the first URL).</summary>
    public int MaxRedirects { get; init; } = 5;

    /// <summary>Connections kept to one server (keep-alive: requests reuse them).</summary>
    public int MaxConnectionsPerServer { get; init; } = 4;

    /// <summary>Largest response headers accepted, in KiB.</summary>
    public int MaxResponseHeadersKiB { get; init; } = 32;

    /// <summary>First wait after a server error or a timeout; it doubles with each failure in a row.</summary>
    public TimeSpan ErrorBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First wait after "not found" (404, 410) or another refusal; it doubles too.</summary>
    public TimeSpan NotFoundBackoff { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest wait between tries, whatever the failures or the server's Retry-After.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The 'User-Agent' sent.</summary>
    public string UserAgent { get; init; } = $"Shoal/{typeof(WebSeedOptions).Assembly.GetName().Version?.ToString(3) ?? "0"}";
}
