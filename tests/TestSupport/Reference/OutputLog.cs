namespace Shoal.Tests.Support.Reference;

/// <summary>The last lines a reference program printed, kept for failure messages (bounded: chatty programs
/// such as transmission-cli print a progress line several times a second).</summary>
public sealed class OutputLog(int capacity = 200)
{
    private readonly Queue<string> _lines = new();
    private readonly long _start = System.Diagnostics.Stopwatch.GetTimestamp();
    private long _dropped;

    public void Add(string stream, string line)
    {
        lock (_lines)
        {
            // Seconds since start: shows where a slow test spent its time.
            var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(_start).TotalSeconds;
            _lines.Enqueue(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"[{seconds,7:0.000} {stream}] {line}"));
            if (_lines.Count > capacity)
            {
                _lines.Dequeue();
                _dropped++;
            }
        }
    }

    public override string ToString()
    {
        lock (_lines)
        {
            var header = _dropped > 0 ? $"({_dropped} earlier lines dropped)\n" : "";
            return header + string.Join('\n', _lines);
        }
    }
}
