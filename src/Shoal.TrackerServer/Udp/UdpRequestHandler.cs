using Shoal.Trackers.Udp;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Service;

namespace Shoal.TrackerServer.Udp;

/// <summary>
/// Turns one BEP 15 datagram into its answer (or none), through the shared <see cref="UdpTrackerCodec"/> and the
/// <see cref="AnnounceService"/>. Pure with respect to sockets, so it is tested without them.
/// Spoofing defence: announce and scrape need a connection id issued to the same address and port; requests with a wrong
/// id are dropped, as BEP 15 says, and no answer is ever larger than useful (no amplification beyond the peer list).
/// </summary>
internal sealed class UdpRequestHandler
{
    [ThreadStatic] private static PeerSelection? t_selection;

    private readonly AnnounceService _service;
    private readonly ConnectionIds _ids;

    public UdpRequestHandler(TrackerCore core)
    {
        _service = core.Announces;
        _ids = new ConnectionIds(core.Time);
    }

    internal ConnectionIds Ids => _ids;

    /// <summary>Writes the answer into <paramref name="reply"/> (at least <see cref="UdpProtocol.MaxPacket"/> bytes) and returns its length; 0 = send nothing.</summary>
    public int Handle(ReadOnlySpan<byte> packet, in PeerEndpoint client, Span<byte> reply)
    {
        if (!UdpTrackerCodec.TryReadRequestHeader(packet, out ulong connectionId, out var action, out uint transactionId))
            return Drop();
        if (!_service.Admit(client.Address)) return 0;
        switch (action)
        {
            case UdpTrackerAction.Connect:
                if (connectionId != UdpTrackerCodec.ProtocolId) return Drop();
                _service.Counters.UdpConnect();
                return UdpTrackerCodec.WriteConnectAnswer(reply, transactionId, _ids.Issue(in client));
            case UdpTrackerAction.Announce:
                if (!_ids.IsValid(connectionId, in client)) return Drop();
                return Announce(packet, in client, transactionId, reply);
            case UdpTrackerAction.Scrape:
                if (!_ids.IsValid(connectionId, in client)) return Drop();
                return Scrape(packet, transactionId, reply);
            default:
                if (!_ids.IsValid(connectionId, in client)) return Drop();
                _service.Counters.BadRequest();
                return UdpTrackerCodec.WriteError(reply, transactionId, "unknown action");
        }
    }

    private int Announce(ReadOnlySpan<byte> packet, in PeerEndpoint client, uint transactionId, Span<byte> reply)
    {
        if (!UdpTrackerCodec.TryReadAnnounceRequest(packet, out var announce, out var error))
        {
            _service.Counters.BadRequest();
            return UdpTrackerCodec.WriteError(reply, transactionId, error!);
        }
        PeerEndpoint? claimed = announce.IPv4 == 0 ? null : PeerEndpoint.FromIPv4(announce.IPv4, announce.Port);
        var input = new AnnounceInput(announce.InfoHash, announce.PeerId, announce.Port, announce.Left, announce.Event, announce.NumWant,
            new AnnounceSource(client, client.IsLoopback ? SourceTrust.Local : SourceTrust.Remote), claimed, TrackerProtocol.Udp);
        var selection = t_selection ??= new PeerSelection(TrackerOptions.MaxNumWantLimit);
        var outcome = _service.Announce(in input, selection);
        if (!outcome.Accepted) return UdpTrackerCodec.WriteError(reply, transactionId, outcome.FailureReason!);
        var peers = outcome.IsIPv6 ? selection.Compact6 : selection.Compact4;
        return UdpTrackerCodec.WriteAnnounceAnswer(reply, transactionId, _service.IntervalSeconds, outcome.Leechers, outcome.Seeders, peers);
    }

    private int Scrape(ReadOnlySpan<byte> packet, uint transactionId, Span<byte> reply)
    {
        int count = UdpTrackerCodec.ScrapeHashCount(packet);
        if (count == 0)
        {
            _service.Counters.BadRequest();
            return UdpTrackerCodec.WriteError(reply, transactionId, "scrape needs at least one info_hash");
        }
        _service.Counters.UdpScrape();
        int written = UdpTrackerCodec.WriteScrapeAnswerHeader(reply, transactionId);
        for (int i = 0; i < count; i++)
        {
            var counts = _service.Scrape(UdpTrackerCodec.ScrapeHash(packet, i));
            written += UdpTrackerCodec.WriteScrapeEntry(reply[written..], counts.Seeders, counts.Downloaded, counts.Leechers);
        }
        return written;
    }

    private int Drop()
    {
        _service.Counters.UdpDrop();
        return 0;
    }
}
