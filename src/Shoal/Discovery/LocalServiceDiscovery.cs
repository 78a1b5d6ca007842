using System.Net;
using System.Net.Sockets;
using Shoal.Metainfo;

namespace Shoal.Discovery;

/// <summary>
/// Local service discovery (BEP 14): announces the torrents we are in to the LSD multicast groups
/// (239.192.152.143:6771 and [ff15::efc0:988f]:6771) on the chosen interfaces — every 5 minutes per torrent, never more
/// than once a minute — and listens on the groups for neighbours' announces. Our own announces come back with our
/// cookie and are dropped; inbound processing is rate-limited. Datagrams are only ever sent to the two groups.
/// Private torrents must never be registered (the client enforces it).
/// </summary>
public sealed partial class LocalServiceDiscovery : IAsyncDisposable
{
    private readonly Lock _sync = new();
    private readonly Dictionary<InfoHash, Registration> _torrents = [];
    private readonly Dictionary<InfoHash, long> _lastAnnounced = [];
    private readonly LsdInbox _inbox;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<(Socket Socket, IPEndPoint Group)> _senders = [];
    private readonly List<(Socket Socket, IPEndPoint Group)> _receivers = [];
    private readonly List<Task> _loops = [];
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LocalServiceDiscovery(int listenPort, LsdOptions options, TimeProvider time)
    {
        ListenPort = listenPort;
        Options = options;
        Time = time;
        Cookie = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()));
        _inbox = new LsdInbox(Cookie, options.MaxInboundPerSecond, time);
    }

    /// <summary>The BitTorrent port we announce.</summary>
    public int ListenPort { get; }

    public LsdOptions Options { get; }

    /// <summary>Sent with every announce so that our own, looped back by multicast, are recognised.</summary>
    public string Cookie { get; }

    /// <summary>The interfaces announces go out on (both families).</summary>
    public IReadOnlyList<LsdInterface> Interfaces { get; private set; } = [];

    internal TimeProvider Time { get; }

    /// <summary>Raised (on a receive thread) when a neighbour announces a registered torrent — at most once a minute per neighbour and torrent.</summary>
    public event Action<InfoHash, IPEndPoint>? PeerDiscovered;

    /// <summary>
    /// Opens the sockets and starts the announce and receive loops. With no usable interface it runs idle (nothing is
    /// sent). Throws <see cref="SocketException"/> if the LSD port cannot be bound at all.
    /// </summary>
    public static LocalServiceDiscovery Start(int listenPort, LsdOptions? options = null, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(listenPort, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(listenPort, 65535);
        var lsd = new LocalServiceDiscovery(listenPort, options ?? LsdOptions.Default, time ?? TimeProvider.System);
        try
        {
            lsd.OpenSockets();
        }
        catch
        {
            lsd.CloseSockets();
            throw;
        }
        lsd._loops.Add(Task.Run(lsd.AnnounceLoopAsync));
        foreach (var (socket, group) in lsd._receivers) lsd._loops.Add(Task.Run(() => lsd.ReceiveLoopAsync(socket, group)));
        return lsd;
    }

    /// <summary>
    /// Announces a torrent from now on (soon, unless it was announced less than a minute ago) and reports the neighbours
    /// that announce it. Dispose the result to stop.
    /// </summary>
    public IDisposable Register(InfoHash infoHash, Action<IPEndPoint> onPeer)
    {
        ArgumentNullException.ThrowIfNull(onPeer);
        var registration = new Registration(this, infoHash, onPeer);
        lock (_sync)
        {
            long now = Time.GetTimestamp();
            long earliest = _lastAnnounced.TryGetValue(infoHash, out long last) ? last + Ticks(Options.MinAnnounceInterval) : now;
            registration.NextAnnounce = Math.Max(now, earliest);
            _torrents[infoHash] = registration;
            _wake.TrySetResult();
        }
        return registration;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        lock (_sync) _wake.TrySetResult();
        CloseSockets();
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
    }

    /// <summary>A datagram arrived on a group: hand any torrent of ours it names to that torrent.</summary>
    internal void OnDatagram(ReadOnlySpan<byte> datagram, IPEndPoint source)
    {
        if (_inbox.Accept(datagram, source) is not { } announce) return;
        var peer = new IPEndPoint(source.Address, announce.Port);
        foreach (var hash in announce.InfoHashes)
        {
            Registration? registration;
            lock (_sync) registration = _torrents.GetValueOrDefault(hash);
            if (registration is null || !_inbox.IsNew(hash, peer)) continue;
            PeerDiscovered?.Invoke(hash, peer);
            registration.OnPeer(peer);
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Time.TimestampFrequency);

    private void Unregister(Registration registration)
    {
        lock (_sync)
            if (_torrents.TryGetValue(registration.InfoHash, out var current) && ReferenceEquals(current, registration))
                _torrents.Remove(registration.InfoHash);
    }

    private sealed class Registration(LocalServiceDiscovery owner, InfoHash infoHash, Action<IPEndPoint> onPeer) : IDisposable
    {
        public InfoHash InfoHash { get; } = infoHash;

        public Action<IPEndPoint> OnPeer { get; } = onPeer;

        /// <summary>Timestamp of the next announce (owner's lock).</summary>
        public long NextAnnounce { get; set; }

        public void Dispose() => owner.Unregister(this);
    }
}
