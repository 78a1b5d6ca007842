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
    private readonly CancellationTokenSource _stopping = new();
    private int _connecting;

    private ClientEngine Engine => swarm.Engine;

    private EngineSettings Settings => swarm.Settings;

    /// <summary>Dials known addresses while there is room for more connections.</summary>
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
            foreach (var entry in toDial) Track(ConnectAsync(entry));
        }
    }

    /// <summary>An incoming connection whose handshake header named this torrent (by <paramref name="asked"/>, either
    /// hash of a hybrid): answer it with the same hash and run it.</summary>
    public async Task AcceptAsync(TransportConnection connection, InfoHash asked, ReservedBits reserved, CancellationToken handshakeTimeout)
    {
        var remote = connection.RemoteEndPoint;
        bool refuse;
        lock (swarm.Sync) refuse = !swarm.IsActive || swarm.Book.IsBanned(remote) || swarm.Peers.Count >= swarm.MaxConnections;
        if (refuse || !IsAcceptableAddress(remote))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            return;
        }
        byte[] peerId;
        try
        {
            peerId = await HandshakeExchange.RespondAsync(connection.Stream, asked, Engine.PeerId, swarm.Reserved, handshakeTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or WireProtocolException or ObjectDisposedException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            return;
        }
        if (peerId.AsSpan().SequenceEqual(Engine.PeerId))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            return;
        }
        var peer = new PeerConnection(connection, peerId, reserved, events, swarm.Limits);
        Task run;
        lock (swarm.Sync)
        {
            run = RunAsync(peer, entry: null);
            Track(run);
        }
        await run.ConfigureAwait(false);
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

    private void Track(Task task)
    {
        _tasks.Add(task);
        _ = task.ContinueWith(t => { lock (swarm.Sync) _tasks.Remove(t); }, TaskScheduler.Default);
    }

    private bool IsConnectedTo(IPEndPoint endPoint)
    {
        foreach (var peer in swarm.Peers)
            if (endPoint.Equals(peer.ListenEndPoint) || endPoint.Equals(peer.RemoteEndPoint)) return true;
        return false;
    }

    private async Task ConnectAsync(PeerBook.Entry entry)
    {
        TransportConnection? connection = null;
        PeerConnection? peer = null;
        try
        {
            using var connectTimeout = new CancellationTokenSource(Settings.ConnectTimeout, swarm.Time);
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, connectTimeout.Token))
                connection = await Engine.DialAsync(entry.EndPoint, swarm.InfoHash, linked.Token).ConfigureAwait(false);
            using var handshakeTimeout = new CancellationTokenSource(Settings.HandshakeTimeout, swarm.Time);
            using var linkedHandshake = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, handshakeTimeout.Token);
            var handshake = await HandshakeExchange.InitiateAsync(connection.Stream, swarm.InfoHash, Engine.PeerId, swarm.Reserved, linkedHandshake.Token)
                .ConfigureAwait(false);
            if (handshake.PeerId.Span.SequenceEqual(Engine.PeerId))
            {
                lock (swarm.Sync) entry.IsSelf = true;
                throw new WireProtocolException("connected to ourselves");
            }
            peer = new PeerConnection(connection, handshake.PeerId.ToArray(), handshake.Reserved, events, swarm.Limits);
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
            peer.IsIncoming ? "incoming" : "outgoing", peer.Transport, peer.IsEncrypted ? "encrypted" : "plaintext");
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

    /// <summary>Adds a connected peer unless it duplicates one (same peer id) or the torrent is full (lock held).</summary>
    private bool Register(PeerConnection peer)
    {
        if (!swarm.IsActive || swarm.Peers.Count >= swarm.MaxConnections) return false;
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
