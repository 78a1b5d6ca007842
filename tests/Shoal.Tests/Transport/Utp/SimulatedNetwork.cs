using System.Net;
using Microsoft.Extensions.Time.Testing;
using Shoal.Transport;

namespace Shoal.Tests.Transport.Utp;

/// <summary>How one direction between two hosts behaves.</summary>
internal sealed record LinkConditions
{
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Extra random delay per datagram, 0 to this: datagrams overtake each other.</summary>
    public TimeSpan Jitter { get; init; }

    public double Loss { get; init; }

    public double Duplication { get; init; }

    /// <summary>A bottleneck of this many bytes per second with a FIFO queue of <see cref="QueueBytes"/> (tail drop); 0 = none.</summary>
    public long BytesPerSecond { get; init; }

    public int QueueBytes { get; init; } = 256 * 1024;
}

/// <summary>
/// Datagram ports joined by a simulated network on fake time, all on the test's thread: latency, jitter (so
/// reordering), loss, duplication and a rate-limited queue, from a seeded random source, so every run is the same.
/// Time moves only through <see cref="RunUntil"/>/<see cref="Run"/>, which deliver what is due and fire the timers.
/// </summary>
internal sealed class SimulatedNetwork
{
    private readonly Random _random;
    private readonly PriorityQueue<Datagram, (long Due, long Order)> _inFlight = new();
    private readonly Dictionary<IPEndPoint, SimulatedPort> _ports = [];
    private readonly Dictionary<(IPEndPoint From, IPEndPoint To), LinkState> _links = [];
    private readonly Lock _gate = new(); // streams' async continuations send from other threads
    private long _order;

    public SimulatedNetwork(int seed)
    {
        _random = new Random(seed);
        Time = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Time.AutoAdvanceAmount = TimeSpan.Zero;
    }

    public FakeTimeProvider Time { get; }

    public LinkConditions Conditions { get; set; } = new();

    /// <summary>A rule that can drop chosen datagrams: return false to drop.</summary>
    public Func<ReadOnlyMemory<byte>, IPEndPoint, IPEndPoint, bool>? Filter { get; set; }

    public long Sent { get; private set; }

    public long Dropped { get; private set; }

    /// <summary>Sum and count of the queueing delay datagrams met at bottlenecks (for LEDBAT tests).</summary>
    public (double TotalMs, long Count) QueueDelay;

    public SimulatedPort AddHost(string address, int port = 6881)
    {
        var endPoint = new IPEndPoint(IPAddress.Parse(address), port);
        var simulated = new SimulatedPort(this, endPoint);
        _ports[endPoint] = simulated;
        return simulated;
    }

    /// <summary>Sets the conditions of the one direction <paramref name="from"/> → <paramref name="to"/>.</summary>
    public void SetLink(IPEndPoint from, IPEndPoint to, LinkConditions conditions) => Link(from, to).Conditions = conditions;

    private LinkState Link(IPEndPoint from, IPEndPoint to)
    {
        if (!_links.TryGetValue((from, to), out var link)) _links[(from, to)] = link = new LinkState();
        return link;
    }

    private sealed class LinkState
    {
        public LinkConditions? Conditions;
        public long FreeAt;
    }

    private readonly record struct Datagram(byte[] Bytes, IPEndPoint From, IPEndPoint To, long QueuedAt);

    internal void Send(IPEndPoint from, ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        lock (_gate) SendLocked(from, datagram, to);
    }

    private void SendLocked(IPEndPoint from, ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        Sent++;
        var bytes = datagram.ToArray();
        if (Filter is { } filter && !filter(bytes, from, to))
        {
            Dropped++;
            return;
        }
        var link = Link(from, to);
        var conditions = link.Conditions ?? Conditions;
        if (_random.NextDouble() < conditions.Loss)
        {
            Dropped++;
            return;
        }
        long now = Time.GetTimestamp();
        long ticksPerSecond = Time.TimestampFrequency;
        long departure = now;
        if (conditions.BytesPerSecond > 0)
        {
            long start = Math.Max(now, link.FreeAt);
            double queuedBytes = (start - now) * (double)conditions.BytesPerSecond / ticksPerSecond;
            if (queuedBytes + bytes.Length > conditions.QueueBytes)
            {
                Dropped++;
                return;
            }
            departure = start + bytes.Length * ticksPerSecond / conditions.BytesPerSecond;
            link.FreeAt = departure;
            QueueDelay.TotalMs += (departure - now) * 1000.0 / ticksPerSecond;
            QueueDelay.Count++;
        }
        int copies = _random.NextDouble() < conditions.Duplication ? 2 : 1;
        for (int i = 0; i < copies; i++)
        {
            long due = departure + (long)((conditions.Latency + conditions.Jitter * _random.NextDouble()).Ticks * (double)ticksPerSecond / TimeSpan.TicksPerSecond);
            _inFlight.Enqueue(new Datagram(bytes, from, to, now), (due, _order++));
        }
    }

    /// <summary>Runs time forward in steps until <paramref name="done"/> holds; false if <paramref name="limit"/> ran out.</summary>
    public bool RunUntil(Func<bool> done, TimeSpan limit, TimeSpan? step = null)
    {
        var stepSize = step ?? TimeSpan.FromMilliseconds(1);
        var end = Time.GetUtcNow() + limit;
        while (true)
        {
            DeliverDue();
            if (done()) return true;
            if (Time.GetUtcNow() >= end) return false;
            Time.Advance(stepSize);
        }
    }

    public void Run(TimeSpan duration, Action? eachStep = null) =>
        RunUntil(() =>
        {
            eachStep?.Invoke();
            return false;
        }, duration);

    private void DeliverDue()
    {
        lock (_gate) DeliverDueLocked();
    }

    private void DeliverDueLocked()
    {
        long now = Time.GetTimestamp();
        HashSet<SimulatedPort>? received = null;
        while (_inFlight.TryPeek(out var datagram, out var due) && due.Due <= now)
        {
            _inFlight.Dequeue();
            if (!_ports.TryGetValue(datagram.To, out var port)) continue;
            port.Deliver(datagram.Bytes, datagram.From);
            (received ??= []).Add(port);
        }
        if (received is null) return;
        foreach (var port in received) port.EndBatch();
    }
}

/// <summary>One host's port on a <see cref="SimulatedNetwork"/>; it sends in batches like the real one.</summary>
internal sealed class SimulatedPort(SimulatedNetwork network, IPEndPoint endPoint) : IDatagramBatchPort
{
    private readonly List<IDatagramHandler> _handlers = [];

    public IPEndPoint LocalEndPoint => endPoint;

    public long Batches { get; private set; }

    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint to) => network.Send(endPoint, datagram, to);

    public void Send(DatagramBatch batch)
    {
        Batches++;
        for (int i = 0; i < batch.Count; i++) network.Send(endPoint, batch[i], batch.TargetOf(i));
        batch.Clear();
    }

    public IDisposable Register(IDatagramHandler handler)
    {
        _handlers.Add(handler);
        return new Unregister(() => _handlers.Remove(handler));
    }

    internal void Deliver(byte[] datagram, IPEndPoint from)
    {
        foreach (var handler in _handlers)
            if (handler.TryHandle(datagram, from)) return;
    }

    internal void EndBatch()
    {
        foreach (var handler in _handlers)
            if (handler is IDatagramBatchHandler batching) batching.OnBatchEnd();
    }

    private sealed class Unregister(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
