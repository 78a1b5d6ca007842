using System.Net;
using Shoal.Metainfo;

namespace Shoal.Discovery.Dht;

/// <summary>
/// A torrent kept announced on the DHT by <see cref="DhtNode.KeepAnnouncing"/>: one announce round (get_peers, then
/// announce_peer) now and every <see cref="DhtOptions.ReannounceInterval"/> after the previous round ended. Private
/// torrents (BEP 27) get an inactive handle and are never announced. Dispose to stop.
/// </summary>
public sealed class DhtAnnouncement : IDisposable
{
    private readonly DhtNode _node;
    private int _rounds;
    private DhtLookupResult? _lastResult;
    private bool _disposed;

    internal DhtAnnouncement(DhtNode node, InfoHash infoHash, int port, bool impliedPort, bool isPrivate, Action<IPEndPoint>? onPeer)
    {
        _node = node;
        InfoHash = infoHash;
        Port = port;
        ImpliedPort = impliedPort;
        IsPrivate = isPrivate;
        OnPeer = onPeer;
    }

    public InfoHash InfoHash { get; }

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
    }
}
