using System.Collections.Concurrent;
using System.Net;
using Shoal.Discovery.Dht;
using Shoal.Metainfo;
using Shoal.Swarm;
using Shoal.Transport;

namespace Shoal.Client;

/// <summary>The DHT's place in the client: one node for all torrents on the shared UDP port.</summary>
public sealed partial class ShoalClient
{
    private readonly SemaphoreSlim _dhtSwitch = new(1, 1);

    /// <summary>The DHT node, when <see cref="ClientOptions.EnableDht"/> is set (or <see cref="SetDhtEnabledAsync"/> turned it on) and a UDP port is open.</summary>
    public DhtNode? Dht { get; private set; }

    /// <summary>
    /// Turns the DHT on or off while running (the daemon's session-set dht-enabled): on starts a node with
    /// <see cref="ClientOptions.Dht"/> and announces every torrent that is not private on it; off stops announcing and
    /// stops the node (saving its table). Returns whether a node runs now: never without a UDP port (<see cref="Datagrams"/>).
    /// Peers learn of our DHT port from handshakes only when the client started with the DHT on.
    /// </summary>
    public async Task<bool> SetDhtEnabledAsync(bool enabled)
    {
        await _dhtSwitch.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposing.IsCancellationRequested) return Dht is not null;
            if (enabled && Dht is null && Datagrams is not null)
            {
                StartNode(Datagrams);
                // A private torrent (BEP 27) refuses: it is barred from the DHT for good.
                foreach (var torrent in Torrents.Where(t => !t.Session.IsPaused)) torrent.StartDht(isPrivate: false);
            }
            else if (!enabled && Dht is not null)
            {
                foreach (var torrent in Torrents) torrent.StopDht();
                await StopDhtAsync().ConfigureAwait(false);
            }
            return Dht is not null;
        }
        finally
        {
            _dhtSwitch.Release();
        }
    }

    /// <summary>The engine settings with the DHT's port (BEP 5 reserved bit and port messages) when a DHT will run.</summary>
    private static EngineSettings WithDhtPort(ClientOptions options, EngineSettings settings, IDatagramPort? datagrams) =>
        options.EnableDht && datagrams is not null ? settings with { DhtPort = datagrams.LocalEndPoint.Port } : settings;

    /// <summary>Starts the node on the engine's UDP port; peers' port messages (BEP 5) bring it nodes to ping.</summary>
    private void StartDht()
    {
        if (!Options.EnableDht || Datagrams is null) return;
        StartNode(Datagrams);
    }

    private void StartNode(IDatagramPort datagrams)
    {
        var node = DhtNode.Start(datagrams, Options.Dht, Options.Time, new Random());
        Engine.DhtNodeSeen += node.AddNode;
        Dht = node;
    }

    private async ValueTask StopDhtAsync()
    {
        if (Dht is not { } node) return;
        Engine.DhtNodeSeen -= node.AddNode;
        Dht = null;
        await node.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Keeps a torrent announced on the DHT (now, and every 15 minutes; sooner while it still wants peers and found
    /// none) with its peers fed to the session; null when no DHT runs or the torrent is private (BEP 27). A hybrid is
    /// announced and looked up under both of its hashes, its peers dialled in the swarm they were found in.
    /// </summary>
    internal IDisposable? AnnounceOnDht(ManagedTorrent torrent, bool isPrivate)
    {
        if (Dht is not { } node || isPrivate) return null;
        var session = torrent.Session;
        var announcements = new List<IDisposable>();
        foreach (var swarm in session.SwarmHashes)
        {
            var feed = new DhtPeerFeed(session, swarm);
            announcements.Add(node.KeepAnnouncing(swarm, ListenPort, isPrivate: false, onPeer: feed.Add,
                wantsPeers: () => !session.Completion.IsCompleted));
        }
        return new Disposables(announcements);
    }

    /// <summary>Several registrations ended together (a hybrid's two swarms).</summary>
    private sealed class Disposables(IReadOnlyList<IDisposable> items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var item in items) item.Dispose();
        }
    }

    /// <summary>
    /// Carries peers from the DHT node (whose callback runs under its lock) to the session (which takes its own): they
    /// are queued and handed over in batches on the thread pool, so the two locks are never held together.
    /// </summary>
    private sealed class DhtPeerFeed(TorrentSession session, InfoHash swarm)
    {
        private readonly ConcurrentQueue<IPEndPoint> _queue = new();
        private int _scheduled;

        public void Add(IPEndPoint peer)
        {
            _queue.Enqueue(peer);
            if (Interlocked.Exchange(ref _scheduled, 1) == 0) ThreadPool.UnsafeQueueUserWorkItem(static f => f.Drain(), this, preferLocal: false);
        }

        private void Drain()
        {
            Volatile.Write(ref _scheduled, 0);
            var batch = new List<IPEndPoint>();
            while (_queue.TryDequeue(out var peer)) batch.Add(peer);
            if (batch.Count > 0) session.AddPeers(batch, PeerSource.Dht, swarm: swarm);
        }
    }
}
