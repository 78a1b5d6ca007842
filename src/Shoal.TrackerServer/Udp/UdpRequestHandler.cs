using System.Buffers.Binary;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Udp;

/// <summary>
/// Turns one BEP 15 datagram into its answer (or none). Pure with respect to sockets, so it is tested without them.
/// Spoofing defence: announce and scrape need a connection id issued to the same address and port; requests with a wrong
/// id are dropped, as BEP 15 says, and no answer is ever larger than useful (no amplification beyond the peer list).
/// </summary>
internal sealed class UdpRequestHandler
{
    [ThreadStatic] private static PeerSelection? t_selection;

    private readonly TrackerCore _core;
    private readonly ConnectionIds _ids;

    public UdpRequestHandler(TrackerCore core)
    {
        _core = core;
        _ids = new ConnectionIds(core.Time);
    }

    internal ConnectionIds Ids => _ids;

    /// <summary>Writes the answer into <paramref name="reply"/> (at least <see cref="UdpProtocol.MaxPacket"/> bytes) and returns its length; 0 = send nothing.</summary>
    public int Handle(ReadOnlySpan<byte> packet, in PeerEndpoint client, Span<byte> reply)
    {
        if (!UdpProtocol.TryReadHeader(packet, out long connectionId, out var action, out int transactionId))
            return Drop();
        if (!_core.Admit(client.Address)) return 0;
        switch (action)
        {
            case UdpAction.Connect:
                if (connectionId != UdpProtocol.ProtocolId) return Drop();
                _core.Counters.UdpConnect();
                return UdpProtocol.WriteConnect(reply, transactionId, _ids.Issue(in client));
            case UdpAction.Announce:
                if (!_ids.IsValid(connectionId, in client)) return Drop();
                return Announce(packet, in client, transactionId, reply);
            case UdpAction.Scrape:
                if (!_ids.IsValid(connectionId, in client)) return Drop();
                return Scrape(packet, transactionId, reply);
            default:
                if (!_ids.IsValid(connectionId, in client)) return Drop();
                _core.Counters.BadRequest();
                return UdpProtocol.WriteError(reply, transactionId, "unknown action");
        }
    }

    private int Announce(ReadOnlySpan<byte> packet, in PeerEndpoint client, int transactionId, Span<byte> reply)
    {
        if (!UdpProtocol.TryReadAnnounce(packet, out var announce, out var error))
        {
            _core.Counters.BadRequest();
            return UdpProtocol.WriteError(reply, transactionId, error!);
        }
        _core.Counters.UdpAnnounce();
        var endpoint = client.WithPort(announce.Port);
        if ((_core.Options.TrustIpParameter || client.IsLoopback) && announce.IPv4 != 0 && !client.IsIPv6)
        {
            Span<byte> v4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, announce.IPv4);
            endpoint = PeerEndpoint.FromAddress(v4, announce.Port);
        }
        var request = new AnnounceRequest(announce.InfoHash, announce.PeerId, endpoint, announce.Event,
            IsSeeder: announce.Left == 0, NumWant: Math.Min(_core.NumWant(announce.NumWant), UdpProtocol.MaxPeers(endpoint.IsIPv6)));
        var selection = t_selection ??= new PeerSelection(TrackerOptions.MaxNumWantLimit);
        var result = _core.Registry.Announce(in request, selection);
        if (result.Status != AnnounceStatus.Ok)
        {
            _core.Counters.Refuse();
            return UdpProtocol.WriteError(reply, transactionId,
                result.Status == AnnounceStatus.NotAllowed ? "torrent not allowed on this tracker" : "tracker is full");
        }
        var peers = endpoint.IsIPv6 ? selection.Compact6 : selection.Compact4;
        return UdpProtocol.WriteAnnounce(reply, transactionId, _core.IntervalSeconds, result.Leechers, result.Seeders, peers);
    }

    private int Scrape(ReadOnlySpan<byte> packet, int transactionId, Span<byte> reply)
    {
        int count = UdpProtocol.ScrapeHashCount(packet);
        if (count == 0)
        {
            _core.Counters.BadRequest();
            return UdpProtocol.WriteError(reply, transactionId, "scrape needs at least one info_hash");
        }
        _core.Counters.UdpScrape();
        var allow = _core.Registry.Allow;
        int written = UdpProtocol.WriteScrapeHeader(reply, transactionId);
        for (int i = 0; i < count; i++)
        {
            var hash = UdpProtocol.ScrapeHash(packet, i);
            var counts = allow is null || allow.Contains(hash) ? _core.Registry.Scrape(hash) : default;
            written += UdpProtocol.WriteScrapeEntry(reply[written..], in counts);
        }
        return written;
    }

    private int Drop()
    {
        _core.Counters.UdpDrop();
        return 0;
    }
}
