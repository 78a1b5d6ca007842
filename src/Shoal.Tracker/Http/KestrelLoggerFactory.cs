using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Shoal.Tracker.Http;

/// <summary>
/// Hands the host our loggers, minus the generic host's own start-up failure log: a taken port is reported once, as a
/// <see cref="PortInUseException"/>, not also as a stack trace.
/// </summary>
internal sealed class KestrelLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) =>
        categoryName.StartsWith("Microsoft.Extensions.Hosting", StringComparison.Ordinal) ? NullLogger.Instance : inner.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    // The inner factory belongs to whoever created the tracker.
    public void Dispose()
    {
    }
}
