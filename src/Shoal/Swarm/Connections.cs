using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Shoal.Metainfo;
using Shoal.Transport;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>What the torrent does as a connection joins and leaves (implemented by <see cref="TorrentSession"/>).</summary>
internal interface IPeerLifecycle
{
    /// <summary>A peer was registered: send it our greeting (lock held).</summary>
    void OnJoined(PeerConnection peer);

    /// <summary>A registered peer left: undo its effect on torrent state (lock held).</summary>
    void OnLeft(PeerConnection peer);

    /// <summary>After <see cref="OnLeft"/>, outside the lock (extensions).</summary>
    void AfterLeft(PeerConnection peer);
}

/// <summary>
/// A torrent's connections: dials known addresses while there is room (within the half-open bound), answers incoming
/// ones routed here by the engine, performs the BitTorrent handshake over whatever transport and upgrade produced the
/// connection, keeps one connection per peer (both sides dialled: the one started by the lower peer id stays), runs
/// each until it ends and tells the torrent as peers join and leave.
/// </summary>
internal sealed class Connections(SwarmContext swarm, IPeerEvents events, IPeerLifecycle lifecycle)
{
    private readonly List<Task> _tasks = [];
    private readonly AddressCounts _accepting = new(); // incoming connections being answered (lock held)
    private readonly CancellationTokenSource _stopping = new();
    private int _connecting;

    private ClientEngine Engine => swarm.Engine;

    private EngineSettings Settings => swarm.Settings;

    /// <summary>Dials known addresses while there is room for more connections.</summary>
    /// <summary>A dial is under way (lock held).</summary>
    public bool IsDialling => _connecting > 0;

    public void ConnectMore()
    {
        lock (swarm.Sync)
        {
            if (!swarm.IsActive) return;
            int room = Math.Min(swarm.MaxConnections - swarm.Peers.Count - _connecting, Settings.MaxHalfOpen - _connecting);
            if (room <= 0) return;
            List<PeerBook.Entry> toDial = [];
            foreach (var entry in swarm.Book.Candidates())
            {
                if (toDial.Count >= room) break;
                if (IsConnectedTo(entry.EndPoint)) continue;
                entry.Connecting = true;
                _connecting++;
                toDial.Add(entry);
            }
            foreach (var entry in toDial) Track(ConnectAsync(entry, entry.Swarm ?? swarm.InfoHash));
        }
    }

    /// <summary>An incoming connection whose handshake header named this torrent (by <paramref name="asked"/>, either
    /// hash of a hybrid): answer it with the same hash and run it.</summary>
    public async Task AcceptAsync(TransportConnection connection, InfoHash asked, ReservedBits reserved, CancellationToken handshakeTimeout)
    {
        var remote = connection.RemoteEndPoint;
        bool refuse;
        lock (swarm.Sync)
        {
            refuse = !swarm.IsActive || swarm.Book.IsBanned(remote) || !IsAcceptableAddress(remote) ||
                (swarm.Peers.Count + _accepting.Total >= swarm.MaxConnections && Evictable() is null) ||
                AddressFull(remote.Address);
            if (!refuse) _accepting.Add(remote.Address);
        }
        if (refuse)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            return;
        }
        PeerConnection? peer = null;
        try
        {
            peer = await AnswerAsync(connection, asked, reserved, handshakeTimeout).ConfigureAwait(false);
        }
        finally
        {
            if (peer is null) lock (swarm.Sync) _accepting.Remove(remote.Address);
        }
        if (peer is null) return;
        Task run;
        lock (swarm.Sync)
        {
            // Counted as being answered until it is registered, in the same lock: no window for another to slip in.
            _accepting.Remove(remote.Address);
            run = RunAsync(peer, entry: null);
            Track(run);
        }
        await run.ConfigureAwait(false);
    }

    /// <summary>Completes the handshake; the peer, or null (and the connection closed) if it failed or was ourselves.</summary>
    private async Task<PeerConnection?> AnswerAsync(TransportConnection connection, InfoHash asked, ReservedBits reserved, CancellationToken handshakeTimeout)
    {
        byte[] peerId;
        try
        {
            peerId = await HandshakeExchange.RespondAsync(connection.Stream, asked, Engine.PeerId, swarm.ReservedFor(asked), handshakeTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or WireProtocolException or ObjectDisposedException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            return null;
        }
        if (peerId.AsSpan().SequenceEqual(Engine.PeerId))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            return null;
        }
        return new PeerConnection(connection, peerId, reserved, events, swarm.Limits) { SwarmHash = asked };
    }

    /// <summary>Closes every connection (pause or stop); with <paramref name="stop"/>, also cancels dials and waits for everything to end.</summary>
    public async Task CloseAllAsync(string reason, bool stop)
    {
        Task[] tasks;
        lock (swarm.Sync)
        {
            foreach (var peer in swarm.Peers) peer.Close(reason);
            tasks = [.. _tasks];
        }
        if (!stop) return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(10), swarm.Time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public bool IsAcceptableAddress(IPEndPoint endPoint) =>
        endPoint.Port is > 0 and <= 65535 &&
        !endPoint.Address.Equals(IPAddress.Any) && !endPoint.Address.Equals(IPAddress.IPv6Any) &&
        (Settings.AllowLoopbackPeers || !IPAddress.IsLoopback(endPoint.Address));

    /// <summary>
    /// Loopback addresses heard from the network are dialled only when we listen on loopback (tests, the demo) or the
    /// one who told us is on this machine; otherwise a remote tracker or peer could make us probe our own local ports.
    /// </summary>
    public bool MayDial(IPEndPoint endPoint, PeerSource source, IPAddress? reportedBy) =>
        !IPAddress.IsLoopback(endPoint.Address) || source is PeerSource.Manual or PeerSource.Incoming ||
        IPAddress.IsLoopback(Settings.ListenAddress) || (reportedBy is not null && IPAddress.IsLoopback(Unmapped(reportedBy)));

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private void Track(Task task)
    {
        _tasks.Add(task);
        _ = task.ContinueWith(t => { lock (swarm.Sync) _tasks.Remove(t); }, TaskScheduler.Default);
    }

    /// <summary>One address holds its share of the torrent (connected or being answered); loopback is exempt (local swarms).</summary>
    private bool AddressFull(IPAddress address)
    {
        if (IPAddress.IsLoopback(address)) return false;
        int count = _accepting.Of(address);
        foreach (var peer in swarm.Peers)
            if (peer.RemoteEndPoint.Address.Equals(address)) count++;
        return count >= Settings.MaxConnectionsPerAddress;
    }

    /// <summary>The peer that has been useless longest: neither side interested, no block for <see cref="EngineSettings.UselessPeerTimeout"/>.</summary>
    private PeerConnection? Evictable()
    {
        long now = swarm.Time.GetTimestamp();
        return swarm.Peers
            .Where(p => !p.IsClosed && !p.AmInterested && !p.PeerInterested && swarm.Elapsed(p.LastBlockReceived, now) > Settings.UselessPeerTimeout)
            .MinBy(p => p.LastBlockReceived);
    }

    private bool IsConnectedTo(IPEndPoint endPoint)
    {
        foreach (var peer in swarm.Peers)
            if (endPoint.Equals(peer.ListenEndPoint) || endPoint.Equals(peer.RemoteEndPoint)) return true;
        return false;
    }

    /// <param name="swarmHash">The hash to handshake with: the torrent's, or a hybrid's v2 swarm hash for a peer found only there.</param>
    private async Task ConnectAsync(PeerBook.Entry entry, InfoHash swarmHash)
    {
        TransportConnection? connection = null;
        PeerConnection? peer = null;
        try
        {
            using var connectTimeout = new CancellationTokenSource(Settings.ConnectTimeout, swarm.Time);
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, connectTimeout.Token))
            {
                var ours = HandshakeExchange.Ours(swarmHash, Engine.PeerId, swarm.ReservedFor(swarmHash));
                connection = await Engine.DialAsync(entry.EndPoint, entry.DialFirst, swarmHash, ours, linked.Token).ConfigureAwait(false);
            }
            using var handshakeTimeout = new CancellationTokenSource(Settings.HandshakeTimeout, swarm.Time);
            using var linkedHandshake = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, handshakeTimeout.Token);
            var handshake = await HandshakeExchange.InitiateAsync(connection.Stream, swarmHash, Engine.PeerId, swarm.ReservedFor(swarmHash), linkedHandshake.Token,
                alreadySent: connection.HandshakeSent).ConfigureAwait(false);
            if (handshake.PeerId.Span.SequenceEqual(Engine.PeerId))
            {
                lock (swarm.Sync) entry.IsSelf = true;
                throw new WireProtocolException("connected to ourselves");
            }
            peer = new PeerConnection(connection, handshake.PeerId.ToArray(), handshake.Reserved, events, swarm.Limits) { SwarmHash = swarmHash };
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or WireProtocolException or ObjectDisposedException)
        {
            if (connection is not null) await connection.DisposeAsync().ConfigureAwait(false);
            lock (swarm.Sync)
            {
                _connecting--;
                swarm.Book.MarkFailed(entry);
            }
            swarm.Log.LogDebug("could not connect to {Peer}: {Reason}", entry.EndPoint, ex.Message);
            return;
        }
        lock (swarm.Sync) _connecting--;
        await RunAsync(peer, entry).ConfigureAwait(false);
    }

    private async Task RunAsync(PeerConnection peer, PeerBook.Entry? entry)
    {
        bool joined;
        lock (swarm.Sync)
        {
            joined = Register(peer);
            if (!joined)
            {
                peer.Close("duplicate or over the connection limit");
                if (entry is not null) swarm.Book.MarkDisconnected(entry, retrySoon: false);
            }
            else
            {
                if (entry is not null) swarm.Book.MarkConnected(entry);
                lifecycle.OnJoined(peer);
            }
        }
        swarm.Log.LogDebug("connected to {Peer} ({Client}, {Direction}, {Transport}, {Encryption})", peer.RemoteEndPoint, peer.ClientName,
            peer.IsIncoming ? "incoming" : "outgoing", peer.Transport, peer.IsEncrypted ? "encrypted" : peer.IsObfuscated ? "obfuscated handshake" : "plaintext");
        await peer.RunAsync().ConfigureAwait(false);
        swarm.Log.LogDebug("disconnected from {Peer} ({Client}): {Reason}", peer.RemoteEndPoint, peer.ClientName, peer.CloseReason);
        lock (swarm.Sync)
        {
            if (joined && swarm.Peers.Remove(peer)) lifecycle.OnLeft(peer);
            if (entry is not null && !entry.Banned) swarm.Book.MarkDisconnected(entry, retrySoon: !(swarm.IsComplete && peer.IsSeed));
            // The listen address an incoming peer gave is free to be dialled again once it left.
            if (peer.IsIncoming && peer.ListenEndPoint is { } listen && swarm.Book.Get(listen) is { Connected: true } known)
                known.Connected = false;
        }
        if (joined) lifecycle.AfterLeft(peer);
        ConnectMore();
    }

    /// <summary>
    /// Adds a connected peer unless it duplicates one (same peer id), its address holds its share of the torrent already,
    /// or the torrent is full and nobody has been useless long enough to make room (lock held).
    /// </summary>
    private bool Register(PeerConnection peer)
    {
        if (!swarm.IsActive || AddressFull(peer.RemoteEndPoint.Address)) return false;
        if (swarm.Peers.Count >= swarm.MaxConnections)
        {
            if (Evictable() is not { } idle) return false;
            idle.Close("dropped for a newcomer: neither side interested for a while");
            swarm.Peers.Remove(idle);
            lifecycle.OnLeft(idle);
        }
        var existing = swarm.Peers.FirstOrDefault(p => p.PeerId.AsSpan().SequenceEqual(peer.PeerId));
        if (existing is not null)
        {
            // Both sides dialled each other: keep the connection initiated by the lower peer id, as the other side will.
            bool newIsOurs = !peer.IsIncoming;
            var initiatorOfNew = newIsOurs ? Engine.PeerId : peer.PeerId;
            var otherInitiator = newIsOurs ? peer.PeerId : Engine.PeerId;
            if (initiatorOfNew.AsSpan().SequenceCompareTo(otherInitiator) > 0) return false;
            existing.Close("replaced by a duplicate connection");
        }
        swarm.Peers.Add(peer);
        return true;
    }
}

/// <summary>Counts per address, for bounds that one address must not exhaust (lock held by the caller).</summary>
internal sealed class AddressCounts
{
    private readonly Dictionary<IPAddress, int> _counts = [];

    public int Total { get; private set; }

    public int Of(IPAddress address) => _counts.GetValueOrDefault(address);

    public void Add(IPAddress address)
    {
        _counts[address] = Of(address) + 1;
        Total++;
    }

    /// <summary>Removes one count of the address, if it has any.</summary>
    public void Remove(IPAddress address)
    {
        if (!_counts.TryGetValue(address, out int count)) return;
        Total--;
        if (count == 1) _counts.Remove(address);
        else _counts[address] = count - 1;
    }
}
