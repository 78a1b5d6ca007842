using System.Net;
using Shoal.Metainfo;

namespace Shoal.Discovery.Dht;

/// <summary>
/// A torrent kept announced on the DHT by <see cref="DhtNode.KeepAnnouncing"/>: one announce round (get_peers, then
/// announce_peer) now and every <see cref="DhtOptions.ReannounceInterval"/> after the previous round ended. A round that
/// reached no node, or found no peer while the torrent still wants some, is retried sooner (from
/// <see cref="DhtOptions.AnnounceRetryInterval"/>, doubling): a node that has just joined, or a magnet link waiting for
/// its first peer, should not wait 15 minutes. Private torrents (BEP 27) get an inactive handle and are never
/// announced. Dispose to stop.
/// </summary>
public sealed class DhtAnnouncement : IDisposable
{
    private readonly DhtNode _node;
    private int _rounds;
    private DhtLookupResult? _lastResult;
    private bool _disposed;

    internal DhtAnnouncement(DhtNode node, InfoHash infoHash, int port, bool impliedPort, bool isPrivate, Action<IPEndPoint>? onPeer,
        Func<bool>? wantsPeers)
    {
        _node = node;
        WantsPeers = wantsPeers;
        InfoHash = infoHash;
        Port = port;
        ImpliedPort = impliedPort;
        IsPrivate = isPrivate;
        OnPeer = onPeer;
    }

    public InfoHash InfoHash { get; }

    internal DhtNode Node => _node;

    public int Port { get; }

    public bool ImpliedPort { get; }

    public bool IsPrivate { get; }

    /// <summary>False for a private torrent and once disposed.</summary>
    public bool IsActive => !IsPrivate && !Volatile.Read(ref _disposed);

    /// <summary>Announce rounds completed so far.</summary>
    public int Rounds => Volatile.Read(ref _rounds);

    /// <summary>What the last completed round did.</summary>
    public DhtLookupResult? LastResult => Volatile.Read(ref _lastResult);

    internal Action<IPEndPoint>? OnPeer { get; }

    /// <summary>Whether the torrent still wants peers (read under the node's lock: a flag, never a lock).</summary>
    internal Func<bool>? WantsPeers { get; }

    /// <summary>Wakes the node when the next round is due (maintenance alone is too coarse for quick retries).</summary>
    internal ITimer? Timer { get; set; }

    /// <summary>The delay before the next retry after an unfruitful round; zero after a fruitful one.</summary>
    internal TimeSpan RetryDelay { get; set; }

    /// <summary>Node clock (ms) of the next round; the node's lock guards it and <see cref="Running"/>.</summary>
    internal long NextDue { get; set; }

    internal bool Running { get; set; }

    internal void Completed(DhtLookupResult result)
    {
        Volatile.Write(ref _lastResult, result);
        Interlocked.Increment(ref _rounds);
    }

    public void Dispose()
    {
        if (_disposed) return;
        Volatile.Write(ref _disposed, true);
        _node.StopAnnouncing(this);
        Timer?.Dispose();
    }
}
