using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Shoal.TrackerServer.Http;

/// <summary>
/// Hands the host our loggers, minus two of its own: the generic host's start-up failure log (a taken port is reported
/// once, as a <see cref="PortInUseException"/>, not also as a stack trace) and the per-request hosting diagnostics,
/// which open a logging scope for every request whenever any level is enabled — measurable at tracker request rates.
/// </summary>
internal sealed class KestrelLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal)
        || categoryName.StartsWith("Microsoft.AspNetCore.Hosting", StringComparison.Ordinal)
            ? NullLogger.Instance
            : inner.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    // The inner factory belongs to whoever created the tracker.
    public void Dispose()
    {
    }
}
