using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm;

public sealed partial class TorrentSession
{
    /// <summary>How connections join and leave the torrent (the face <see cref="Connections"/> sees).</summary>
    private sealed class Lifecycle(TorrentSession session) : IPeerLifecycle
    {
        public void OnJoined(PeerConnection peer) => session.Greet(peer);

        public void OnLeft(PeerConnection peer)
        {
            var swarm = session._swarm;
            session._scheduler.Forget(peer);
            session._choking.Forget(peer);
            // A peer caught attacking, or breaking the protocol while we fetch the metadata, is not trusted again for this torrent.
            if (peer.ClosedAsHostile || (peer.ClosedForViolation && swarm.Info is null)) session._outcomes.Ban(peer, peer.CloseReason ?? "protocol violation");
            session._scheduler.FillAll();
        }

        public void AfterLeft(PeerConnection peer) => session._extensions.OnDisconnected(peer);
    }

    /// <summary>An incoming connection whose handshake header named this torrent (from the engine).</summary>
    internal Task AcceptAsync(Shoal.Transport.TransportConnection connection, Metainfo.InfoHash asked, ReservedBits reserved, CancellationToken handshakeTimeout) =>
        _connections.AcceptAsync(connection, asked, reserved, handshakeTimeout);

    /// <summary>Our first messages: availability, the extension handshake, the allowed-fast set, the DHT port (lock held).</summary>
    private void Greet(PeerConnection peer)
    {
        if (_swarm.Picker is { } picker)
        {
            var have = picker.Have;
            if (peer.SupportsFast && have.IsComplete) peer.Send(new Outgoing(MessageId.HaveAll));
            else if (peer.SupportsFast && have.IsEmpty) peer.Send(new Outgoing(MessageId.HaveNone));
            else peer.Send(new Outgoing(MessageId.Bitfield, Payload: have.ToWire()));
        }
        // Without the metadata we have nothing: a fast peer is told so, others learn it from our silence (BEP 3).
        else if (peer.SupportsFast) peer.Send(new Outgoing(MessageId.HaveNone));
        if (peer.Reserved.SupportsExtensionProtocol) peer.Send(new Outgoing(MessageId.Extended, Index: 0, Payload: BuildExtensionHandshake(peer).Encode()));
        if (peer.SupportsFast && _swarm.Info is { } info) SendAllowedFast(peer, info.PieceCount);
        if (_swarm.Settings.DhtPort is int dhtPort && peer.Reserved.SupportsDht) peer.Send(new Outgoing(MessageId.Port, dhtPort));
        if (_swarm.Info is { } known) ResolveAvailability(peer, known.PieceCount);
    }

    /// <summary>Storage was attached: the peer's availability now counts, and it learns what we already have (lock held).</summary>
    private void StartTransfer(PeerConnection peer, Bitfield have)
    {
        if (peer.IsClosed) return;
        // It was told we have nothing; resumed pieces go out as haves (a bit each until sent, once per connection).
        for (int piece = have.FirstSet(); piece >= 0; piece = have.FirstSet(piece + 1)) peer.SendHave(piece, have.Count);
        _scheduler.AddAvailability(peer);
        if (peer.IsSeed && have.IsComplete) peer.Close("both seeding");
        else _scheduler.Fill(peer);
    }

    /// <summary>The piece count is known: what the peer said before is checked and kept (lock held).</summary>
    private static void ResolveAvailability(PeerConnection peer, int pieceCount)
    {
        try
        {
            peer.Availability.SetPieceCount(pieceCount);
        }
        catch (WireProtocolException ex)
        {
            peer.Close(ex.Message);
        }
    }

    /// <summary>BEP 6's set for the peer, from the hash its handshake used (a hybrid's v2 swarm has its own, as in libtorrent).</summary>
    private static void SendAllowedFast(PeerConnection peer, int pieceCount)
    {
        foreach (int piece in AllowedFastSet.Compute(peer.RemoteEndPoint.Address, peer.SwarmHash, pieceCount)) peer.Send(new Outgoing(MessageId.AllowedFast, piece));
    }

    /// <summary>Our extension handshake for a peer (lock held).</summary>
    private ExtensionHandshake BuildExtensionHandshake(PeerConnection peer)
    {
        var handshake = new ExtensionHandshake
        {
            ListenPort = Engine.ListenPort,
            ClientName = _swarm.Settings.ClientName,
            RequestQueueDepth = _swarm.Settings.MaxQueuedRequestsFromPeer,
            YourIp = peer.RemoteEndPoint.Address,
            UploadOnly = _swarm.IsComplete,
        };
        _extensions.FillHandshake(handshake);
        return handshake;
    }
}
