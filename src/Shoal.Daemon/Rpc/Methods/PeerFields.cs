using System.Text.Json;
using Shoal.Daemon.Engine;

namespace Shoal.Daemon.Rpc.Methods;

/// <summary>torrent-get's <c>peers</c> and <c>peersFrom</c>.</summary>
internal static class PeerFields
{
    public static void WritePeers(Utf8JsonWriter w, IReadOnlyList<PeerView> peers)
    {
        w.WriteStartArray();
        foreach (var p in peers)
        {
            w.WriteStartObject();
            w.WriteString("address", p.Address);
            w.WriteString("clientName", p.ClientName);
            w.WriteBoolean("clientIsChoked", p.ClientIsChoked);
            w.WriteBoolean("clientIsInterested", p.ClientIsInterested);
            w.WriteString("flagStr", p.FlagStr);
            w.WriteBoolean("isDownloadingFrom", p.IsDownloadingFrom);
            w.WriteBoolean("isEncrypted", p.IsEncrypted);
            w.WriteBoolean("isIncoming", p.IsIncoming);
            w.WriteBoolean("isUploadingTo", p.IsUploadingTo);
            w.WriteBoolean("isUTP", p.IsUtp);
            w.WriteBoolean("peerIsChoked", p.PeerIsChoked);
            w.WriteBoolean("peerIsInterested", p.PeerIsInterested);
            w.WriteNumber("port", p.Port);
            w.WriteNumber("progress", p.Progress);
            w.WriteNumber("rateToClient", p.RateToClient);
            w.WriteNumber("rateToPeer", p.RateToPeer);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static void WritePeersFrom(Utf8JsonWriter w, PeerOriginCounts from)
    {
        w.WriteStartObject();
        w.WriteNumber("fromCache", 0);
        w.WriteNumber("fromDht", from.Dht);
        w.WriteNumber("fromIncoming", from.Incoming);
        w.WriteNumber("fromLpd", from.LocalDiscovery);
        w.WriteNumber("fromLtep", 0);
        w.WriteNumber("fromPex", from.PeerExchange);
        w.WriteNumber("fromTracker", from.Tracker);
        w.WriteEndObject();
    }
}
