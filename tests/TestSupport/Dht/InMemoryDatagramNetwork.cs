using System.Net;
using Shoal.Transport;

namespace Shoal.Tests.Support.Dht;

/// <summary>How one simulated host's link behaves.</summary>
public sealed record LinkConditions
{
    /// <summary>One-way delay this host adds to every datagram it sends or receives.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Extra delay on what this host sends: a slow node (busy, or on a bad link).</summary>
    public TimeSpan SendDelay { get; init; }

    /// <summary>
    /// Behind a NAT that drops unsolicited datagrams: a datagram reaches it only from an endpoint it sent to within
    /// <see cref="InMemoryDatagramNetwork.NatMappingLifetime"/> (endpoint-dependent filtering, the common home router).
    /// </summary>
    public bool BehindNat { get; init; }
}

/// <summary>
/// An in-memory UDP network for DHT tests and the simulation: ports implementing <see cref="IDatagramPort"/>, delivery
/// through a <see cref="TimeProvider"/> after both hosts' latency, random loss, NAT-filtered hosts and slow hosts.
/// Nothing leaves the process: a datagram to an address no port has is simply lost. With <see cref="SimulatedTime"/>
/// delivery uses its cheap event queue; with any other clock (FakeTimeProvider) one timer per datagram.
/// </summary>
public sealed class InMemoryDatagramNetwork(TimeProvider time, Random random, double loss = 0)
{
    public static readonly TimeSpan NatMappingLifetime = TimeSpan.FromMinutes(2);

    private readonly object _gate = new();
    private readonly Dictionary<IPEndPoint, InMemoryDatagramPort> _ports = [];

    public long Sent { get; private set; }

    public long Delivered { get; private set; }

    public long Lost { get; private set; }

    /// <summary>Dropped by a NAT (unsolicited) or because nobody is at the address.</summary>
    public long Unreachable { get; private set; }

    public double Loss { get; set; } = loss;

    public InMemoryDatagramPort AddPort(IPEndPoint endPoint, LinkConditions? conditions = null)
    {
        var port = new InMemoryDatagramPort(this, endPoint, conditions ?? new LinkConditions());
        lock (_gate) _ports.Add(endPoint, port);
        return port;
    }

    public void RemovePort(InMemoryDatagramPort port)
    {
        lock (_gate) _ports.Remove(port.LocalEndPoint);
    }

    internal void Send(InMemoryDatagramPort from, ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        InMemoryDatagramPort? target;
        TimeSpan delay;
        lock (_gate)
        {
            Sent++;
            from.NoteSentTo(to, time.GetUtcNow());
            if (Loss > 0 && random.NextDouble() < Loss)
            {
                Lost++;
                return;
            }
            if (!_ports.TryGetValue(to, out target))
            {
                Unreachable++;
                return;
            }
            delay = from.Conditions.Latency + from.Conditions.SendDelay + target.Conditions.Latency;
        }
        var delivery = new Delivery(this, target, datagram.ToArray(), from.LocalEndPoint);
        if (time is SimulatedTime simulated) simulated.Schedule(delay, static d => ((Delivery)d!).Run(), delivery);
        else delivery.Timer = time.CreateTimer(static d => ((Delivery)d!).Run(), delivery, delay, Timeout.InfiniteTimeSpan);
    }

    private void Deliver(InMemoryDatagramPort target, byte[] datagram, IPEndPoint from)
    {
        lock (_gate)
        {
            if (!_ports.ContainsKey(target.LocalEndPoint) || target.Conditions.BehindNat && !target.HasRecentlySentTo(from, time.GetUtcNow()))
            {
                Unreachable++;
                return;
            }
            Delivered++;
        }
        target.Receive(datagram, from);
    }

    private sealed class Delivery(InMemoryDatagramNetwork network, InMemoryDatagramPort target, byte[] datagram, IPEndPoint from)
    {
        public ITimer? Timer { get; set; }

        public void Run()
        {
            Timer?.Dispose();
            network.Deliver(target, datagram, from);
        }
    }
}

/// <summary>One host's UDP port on an <see cref="InMemoryDatagramNetwork"/>: handlers claim datagrams in order, like the real port.</summary>
public sealed class InMemoryDatagramPort : IDatagramPort
{
    private readonly InMemoryDatagramNetwork _network;
    private readonly Dictionary<IPEndPoint, DateTimeOffset> _natMappings = [];
    private IDatagramHandler[] _handlers = [];

    internal InMemoryDatagramPort(InMemoryDatagramNetwork network, IPEndPoint endPoint, LinkConditions conditions)
    {
        _network = network;
        LocalEndPoint = endPoint;
        Conditions = conditions;
    }

    public IPEndPoint LocalEndPoint { get; }

    public LinkConditions Conditions { get; set; }

    public long Received { get; private set; }

    public long Unclaimed { get; private set; }

    /// <summary>Every datagram sent from this port (for tests that look at the bytes), when <see cref="Record"/> is on.</summary>
    public List<(byte[] Datagram, IPEndPoint To)> SentLog { get; } = [];

    public bool Record { get; set; }

    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        if (Record) lock (SentLog) SentLog.Add((datagram.ToArray(), to));
        _network.Send(this, datagram, to);
    }

    public IDisposable Register(IDatagramHandler handler)
    {
        _handlers = [.. _handlers, handler];
        return new Registration(() => _handlers = [.. _handlers.Where(h => h != handler)]);
    }

    internal void Receive(byte[] datagram, IPEndPoint from)
    {
        Received++;
        foreach (var handler in _handlers)
            if (handler.TryHandle(datagram, from)) return;
        Unclaimed++;
    }

    internal void NoteSentTo(IPEndPoint to, DateTimeOffset now)
    {
        if (!Conditions.BehindNat) return;
        if (_natMappings.Count > 4096)
            foreach (var (endPoint, at) in _natMappings)
                if (now - at > InMemoryDatagramNetwork.NatMappingLifetime) _natMappings.Remove(endPoint);
        _natMappings[to] = now;
    }

    internal bool HasRecentlySentTo(IPEndPoint from, DateTimeOffset now) =>
        _natMappings.TryGetValue(from, out var at) && now - at <= InMemoryDatagramNetwork.NatMappingLifetime;

    private sealed class Registration(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
