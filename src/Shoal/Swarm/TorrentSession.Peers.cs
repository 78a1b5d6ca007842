using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Shoal.Wire;

namespace Shoal.Swarm;

public sealed partial class TorrentSession
{
    /// <summary>Dials known addresses while there is room for more connections.</summary>
    private void ConnectMore()
    {
        List<PeerBook.Entry> toDial = [];
        lock (Sync)
        {
            if (_stopped || _error is not null) return;
            int room = Math.Min(Settings.MaxConnectionsPerTorrent - _peers.Count - _connecting, Settings.MaxHalfOpen - _connecting);
            if (room <= 0) return;
            // A seed only waits for leechers to come to it, unless the address came from outside (tracker, user).
            foreach (var entry in _book.Candidates())
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

    private void Track(Task task)
    {
        _connectionTasks.Add(task);
        _ = task.ContinueWith(t => { lock (Sync) _connectionTasks.Remove(t); }, TaskScheduler.Default);
    }

    private bool IsConnectedTo(IPEndPoint endPoint)
    {
        foreach (var peer in _peers)
            if (endPoint.Equals(peer.ListenEndPoint) || endPoint.Equals(peer.RemoteEndPoint)) return true;
        return false;
    }

    private async Task ConnectAsync(PeerBook.Entry entry)
    {
        Stream? stream = null;
        PeerConnection? peer = null;
        try
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                timeout.CancelAfter(Settings.ConnectTimeout);
                stream = await Engine.Dial(entry.EndPoint, timeout.Token).ConfigureAwait(false);
                timeout.CancelAfter(Settings.HandshakeTimeout);
                var handshake = await HandshakeExchange.InitiateAsync(stream, InfoHash, Engine.PeerId, timeout.Token).ConfigureAwait(false);
                if (handshake.PeerId.Span.SequenceEqual(Engine.PeerId))
                {
                    lock (Sync) entry.IsSelf = true;
                    throw new WireProtocolException("connected to ourselves");
                }
                peer = new PeerConnection(this, stream, entry.EndPoint, handshake.PeerId.ToArray(), handshake.Reserved, incoming: false);
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or WireProtocolException or ObjectDisposedException)
        {
            if (stream is not null) await stream.DisposeAsync().ConfigureAwait(false);
            lock (Sync)
            {
                _connecting--;
                _book.MarkFailed(entry);
            }
            Log.LogDebug("could not connect to {Peer}: {Reason}", entry.EndPoint, ex.Message);
            return;
        }
        lock (Sync) _connecting--;
        await RunPeerAsync(peer, entry).ConfigureAwait(false);
    }

    /// <summary>An incoming connection whose handshake header named this torrent: answer it and run it.</summary>
    internal async Task AcceptIncomingAsync(Stream stream, IPEndPoint remote, ReservedBits reserved, CancellationToken handshakeTimeout)
    {
        remote = Normalize(remote);
        bool refuse;
        lock (Sync) refuse = _stopped || _book.IsBanned(remote) || _peers.Count >= Settings.MaxConnectionsPerTorrent;
        if (refuse || !IsAcceptableAddress(remote))
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }
        byte[] peerId;
        try
        {
            peerId = await HandshakeExchange.RespondAsync(stream, InfoHash, Engine.PeerId, handshakeTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or WireProtocolException or ObjectDisposedException)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }
        if (peerId.AsSpan().SequenceEqual(Engine.PeerId))
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }
        var peer = new PeerConnection(this, stream, remote, peerId, reserved, incoming: true);
        Task run;
        lock (Sync)
        {
            run = RunPeerAsync(peer, entry: null);
            Track(run);
        }
        await run.ConfigureAwait(false);
    }

    private async Task RunPeerAsync(PeerConnection peer, PeerBook.Entry? entry)
    {
        lock (Sync)
        {
            if (!Register(peer))
            {
                peer.Close("duplicate or over the connection limit");
                if (entry is not null) _book.MarkDisconnected(entry, retrySoon: false);
            }
            else if (entry is not null) _book.MarkConnected(entry);
        }
        Log.LogDebug("connected to {Peer} ({Client}, {Direction})", peer.RemoteEndPoint, peer.ClientName, peer.IsIncoming ? "incoming" : "outgoing");
        await peer.RunAsync().ConfigureAwait(false);
        Log.LogDebug("disconnected from {Peer} ({Client}): {Reason}", peer.RemoteEndPoint, peer.ClientName, peer.CloseReason);
        lock (Sync)
        {
            if (_peers.Remove(peer)) Forget(peer);
            if (entry is not null && !entry.Banned) _book.MarkDisconnected(entry, retrySoon: !(_picker.IsComplete && peer.IsSeed));
        }
        Extensions.OnDisconnected(peer);
        ConnectMore();
    }

    /// <summary>Adds a connected peer unless it duplicates one (same peer id) or the torrent is full.</summary>
    private bool Register(PeerConnection peer)
    {
        if (_stopped || _peers.Count >= Settings.MaxConnectionsPerTorrent) return false;
        var existing = _peers.FirstOrDefault(p => p.PeerId.AsSpan().SequenceEqual(peer.PeerId));
        if (existing is not null)
        {
            // Both sides dialled each other: keep the connection initiated by the lower peer id, as the other side will.
            bool newIsOurs = !peer.IsIncoming;
            var initiatorOfNew = newIsOurs ? Engine.PeerId : peer.PeerId;
            var otherInitiator = newIsOurs ? peer.PeerId : Engine.PeerId;
            if (initiatorOfNew.AsSpan().SequenceCompareTo(otherInitiator) > 0) return false;
            existing.Close("replaced by a duplicate connection");
        }
        _peers.Add(peer);
        return true;
    }

    /// <summary>Undoes a peer's effect on torrent state (its requests, its availability, its upload slot).</summary>
    private void Forget(PeerConnection peer)
    {
        peer.Requests.Clear(r => _picker.Release(r.Piece, r.Begin));
        if (peer.Have.SetCount > 0) _picker.RemovePeer(peer.Have);
        _assignments?.Release(peer);
        if (!peer.AmChoking) UnchokeWaiting();
        RefillAllPeers();
    }

    /// <summary>Once a second: timeouts, keep-alives, snubbing, choke rounds and new connections.</summary>
    private void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1) return;
        try
        {
            lock (Sync)
            {
                if (_stopped) return;
                long now = Time.GetTimestamp();
                foreach (var peer in _peers) CheckTimeouts(peer, now);
                if (Elapsed(_lastChokeRound, now) >= Settings.ChokeInterval)
                {
                    bool rotate = Elapsed(_lastOptimisticRotation, now) >= Settings.OptimisticUnchokeInterval;
                    RunChokeRound(rotate, now);
                    _lastChokeRound = now;
                    if (rotate) _lastOptimisticRotation = now;
                }
                RefillAllPeers();
            }
            Extensions.OnTick();
            ConnectMore();
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    private void CheckTimeouts(PeerConnection peer, long now)
    {
        if (Elapsed(peer.LastReceived, now) > Settings.InactivityTimeout)
        {
            peer.Close("inactive");
            return;
        }
        if (Elapsed(peer.LastSent, now) > Settings.KeepAliveInterval) peer.Enqueue(new Outgoing(MessageId.KeepAlive));
        var oldest = peer.Requests.OldestTimestamp;
        if (!peer.IsSnubbed && !peer.PeerChoking && oldest is long sent &&
            Elapsed(Math.Max(sent, peer.LastBlockReceived), now) > Settings.SnubTimeout)
        {
            // It took our requests and sits on them: give them to others and keep asking it for one block at a time.
            peer.IsSnubbed = true;
            peer.Requests.Clear(r => _picker.Release(r.Piece, r.Begin));
        }
    }

    private TimeSpan Elapsed(long since, long now) => Time.GetElapsedTime(since, now);
}
