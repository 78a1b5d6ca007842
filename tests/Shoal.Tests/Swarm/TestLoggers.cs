using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Shoal.Tests.Swarm;

/// <summary>Collects log lines in memory, so a failing swarm test can show what the engine saw.</summary>
internal sealed class TestLoggers : ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public override string ToString() => string.Join('\n', _lines.TakeLast(200));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    private sealed class Logger(TestLoggers owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{DateTime.Now:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}");
    }
}
