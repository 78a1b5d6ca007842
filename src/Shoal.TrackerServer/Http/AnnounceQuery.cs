using System.Buffers.Text;
using System.Net;
using Shoal.Metainfo;
using Shoal.TrackerServer.Registry;
using Shoal.Trackers;
using Shoal.Wire;

namespace Shoal.TrackerServer.Http;

/// <summary>A BEP 3 announce query, parsed over the raw query string (binary ids are percent-decoded to bytes).</summary>
internal struct AnnounceQuery
{
    public const int MaxQueryLength = 4096;

    public InfoHash InfoHash;
    public PeerId PeerId;
    public ushort Port;
    /// <summary>Bytes left to download; -1 when the client did not say (treated as a leecher).</summary>
    public long Left;
    public AnnounceEvent Event;
    /// <summary>-1 when absent (or negative): the tracker's default applies.</summary>
    public int NumWant;
    public bool Compact;
    public bool NoPeerId;
    /// <summary>The ip/ipv4/ipv6 parameters when they are IP literals (used only when the tracker trusts them).</summary>
    public IPAddress? Ip;
    public IPAddress? IPv4;
    public IPAddress? IPv6;

    /// <summary>Parses; returns null on success or the failure reason to send back.</summary>
    public static string? TryParse(ReadOnlySpan<char> query, out AnnounceQuery result)
    {
        result = default;
        result.Left = -1;
        result.NumWant = -1;
        result.Compact = true;
        if (query.Length > MaxQueryLength) return "query too long";
        bool haveHash = false, haveId = false, havePort = false;
        Span<byte> buffer = stackalloc byte[64];
        var pairs = new QueryString(query);
        while (pairs.MoveNext())
        {
            var key = pairs.Key;
            if (!QueryString.TryDecode(pairs.Value, buffer, out int length))
            {
                // Only the parameters we read must decode; an overlong or odd unknown parameter is ignored.
                if (IsKnown(key)) return "malformed value for " + KnownName(key);
                continue;
            }
            var value = buffer[..length];
            if (QueryString.KeyIs(key, "info_hash"))
            {
                if (haveHash) return "info_hash given twice";
                if (value.Length != InfoHash.Length) return "info_hash must be 20 bytes";
                result.InfoHash = new InfoHash(value);
                haveHash = true;
            }
            else if (QueryString.KeyIs(key, "peer_id"))
            {
                if (haveId) return "peer_id given twice";
                if (value.Length != PeerId.Length) return "peer_id must be 20 bytes";
                result.PeerId = PeerId.From(value);
                haveId = true;
            }
            else if (QueryString.KeyIs(key, "port"))
            {
                if (!Utf8Parser.TryParse(value, out ushort port, out int used) || used != value.Length || port == 0) return "invalid port";
                result.Port = port;
                havePort = true;
            }
            else if (QueryString.KeyIs(key, "left"))
            {
                if (!TryParseCount(value, out result.Left)) return "invalid left";
            }
            else if (QueryString.KeyIs(key, "uploaded") || QueryString.KeyIs(key, "downloaded"))
            {
                if (!TryParseCount(value, out _)) return "invalid uploaded/downloaded";
            }
            else if (QueryString.KeyIs(key, "event"))
            {
                if (!TryParseEvent(value, out result.Event)) return "unknown event";
            }
            else if (QueryString.KeyIs(key, "numwant"))
            {
                if (!Utf8Parser.TryParse(value, out long wanted, out int used) || used != value.Length) return "invalid numwant";
                result.NumWant = wanted < 0 ? -1 : (int)Math.Min(wanted, int.MaxValue);
            }
            else if (QueryString.KeyIs(key, "compact"))
            {
                result.Compact = !(value.Length == 1 && value[0] == (byte)'0');
            }
            else if (QueryString.KeyIs(key, "no_peer_id"))
            {
                result.NoPeerId = !(value.Length == 1 && value[0] == (byte)'0');
            }
            else if (QueryString.KeyIs(key, "ip")) result.Ip = ParseAddress(value);
            else if (QueryString.KeyIs(key, "ipv4")) result.IPv4 = ParseAddress(value);
            else if (QueryString.KeyIs(key, "ipv6")) result.IPv6 = ParseAddress(value);
        }
        if (!haveHash) return "missing info_hash";
        if (!haveId) return "missing peer_id";
        if (!havePort) return "missing port";
        return null;
    }

    private static readonly string[] Known = ["info_hash", "peer_id", "port", "left", "uploaded", "downloaded", "event", "numwant"];

    private static bool IsKnown(ReadOnlySpan<char> key) => KnownName(key) is not null;

    private static string? KnownName(ReadOnlySpan<char> key)
    {
        foreach (var name in Known)
            if (QueryString.KeyIs(key, name)) return name;
        return null;
    }

    private static bool TryParseCount(ReadOnlySpan<byte> value, out long count) =>
        Utf8Parser.TryParse(value, out count, out int used) && used == value.Length && count >= 0;

    private static bool TryParseEvent(ReadOnlySpan<byte> value, out AnnounceEvent announceEvent)
    {
        announceEvent = AnnounceEvent.None;
        if (value.IsEmpty || value.SequenceEqual("empty"u8) || value.SequenceEqual("paused"u8)) return true;
        if (value.SequenceEqual("started"u8)) announceEvent = AnnounceEvent.Started;
        else if (value.SequenceEqual("stopped"u8)) announceEvent = AnnounceEvent.Stopped;
        else if (value.SequenceEqual("completed"u8)) announceEvent = AnnounceEvent.Completed;
        else return false;
        return true;
    }

    private static IPAddress? ParseAddress(ReadOnlySpan<byte> value)
    {
        // BEP 7's ipv6 parameter may carry a port as [addr]:port; only the address is used.
        if (value.Length > 0 && value[0] == (byte)'[')
        {
            int close = value.IndexOf((byte)']');
            value = close > 0 ? value[1..close] : value;
        }
        return IPAddress.TryParse(value, out var address) ? address : null;
    }
}
