using System.Net;
using System.Net.Sockets;
using Shoal.Bencoding;
using Shoal.Metainfo;

namespace Shoal.Trackers;

/// <summary>
/// Parses HTTP tracker answers (BEP 3, 23, 7, 48) strictly: anything that is not a well-formed tracker dictionary is a
/// <see cref="TrackerException"/>, and only a <see cref="TrackerException"/>, whatever the bytes.
/// </summary>
public static class HttpTrackerResponse
{
    // Enough for a dictionary -> list of peer dictionaries -> values, with room for harmless extensions.
    private const int MaxDepth = 8;

    // Anything longer is not an interval anyone meant; it also keeps TimeSpan arithmetic far from overflow.
    private const long MaxIntervalSeconds = 366L * 24 * 3600;

    public readonly record struct Announce(AnnounceResponse Response, byte[]? TrackerId);

    // A tracker id is echoed back verbatim in every later query; a long one would bloat every URL.
    private const int MaxTrackerIdBytes = 256;

    public static Announce ParseAnnounce(ReadOnlySpan<byte> body, Uri tracker, TrackerClientOptions options)
    {
        var dict = ParseDictionary(body, tracker);
        ThrowIfFailure(dict, tracker);

        var peersValue = dict["peers"];
        var peers6Value = dict["peers6"];
        if (peersValue is null && peers6Value is null)
            throw Invalid(tracker, "answered a dictionary with neither 'peers' nor 'failure reason'");

        var peers = new List<IPEndPoint>();
        switch (peersValue)
        {
            case null: break;
            case BString compact:
                if (!CompactPeers.TryParse(compact.Span, CompactPeers.IPv4Stride, peers, options.MaxPeers))
                    throw Invalid(tracker, $"answered a compact 'peers' string of {compact.Bytes.Length} bytes, not a multiple of 6");
                break;
            case BList list:
                ReadDictionaryPeers(list, peers, tracker, options.MaxPeers);
                break;
            default:
                throw Invalid(tracker, "answered 'peers' that is neither a string nor a list");
        }
        switch (peers6Value)
        {
            case null: break;
            case BString compact6:
                if (!CompactPeers.TryParse(compact6.Span, CompactPeers.IPv6Stride, peers, options.MaxPeers))
                    throw Invalid(tracker, $"answered a compact 'peers6' string of {compact6.Bytes.Length} bytes, not a multiple of 18");
                break;
            default:
                throw Invalid(tracker, "answered 'peers6' that is not a string");
        }

        var interval = Seconds(dict, "interval", tracker) ?? options.DefaultInterval;
        var minInterval = Seconds(dict, "min interval", tracker);
        var seeders = Count(dict, "complete", tracker);
        var leechers = Count(dict, "incomplete", tracker);
        var warning = OptionalText(dict, "warning message", tracker);
        var trackerId = dict["tracker id"] switch
        {
            null => null,
            BString id when id.Bytes.Length <= MaxTrackerIdBytes => id.Bytes.ToArray(),
            BString => throw Invalid(tracker, $"answered a 'tracker id' longer than {MaxTrackerIdBytes} bytes"),
            _ => throw Invalid(tracker, "answered 'tracker id' that is not a string"),
        };
        return new Announce(new AnnounceResponse(interval, minInterval, peers, seeders, leechers, warning), trackerId);
    }

    /// <summary>The counters for <paramref name="hash"/> in a scrape answer, or null when the tracker lists nothing for it.</summary>
    public static ScrapeResult? ParseScrape(ReadOnlySpan<byte> body, Uri tracker, InfoHash hash)
    {
        var dict = ParseDictionary(body, tracker);
        ThrowIfFailure(dict, tracker);
        if (dict["files"] is not BDictionary files) throw Invalid(tracker, "answered a scrape without a 'files' dictionary");
        if (!files.TryGetValue(hash.Span, out var entry)) return null;
        if (entry is not BDictionary counters) throw Invalid(tracker, "answered a scrape entry that is not a dictionary");
        return new ScrapeResult(
            Count(counters, "complete", tracker) ?? 0,
            Count(counters, "downloaded", tracker) ?? 0,
            Count(counters, "incomplete", tracker) ?? 0);
    }

    /// <summary>Reads a 'failure reason' from a body sent with an HTTP error status, if it is one; never throws.</summary>
    public static string? TryReadFailureReason(ReadOnlySpan<byte> body)
    {
        try
        {
            return BValue.Parse(body, MaxDepth) is BDictionary dict && dict["failure reason"] is BString reason
                ? TrackerException.Printable(reason.Span)
                : null;
        }
        catch (BencodeException)
        {
            return null;
        }
    }

    private static BDictionary ParseDictionary(ReadOnlySpan<byte> body, Uri tracker)
    {
        if (body.IsEmpty) throw Invalid(tracker, "answered with an empty body");
        if (body[0] != (byte)'d')
            throw Invalid(tracker, $"answered with something that is not a bencoded dictionary (starts with \"{TrackerException.Printable(body[..Math.Min(body.Length, 41)], 40)}\")");
        try
        {
            return (BDictionary)BValue.Parse(body, MaxDepth);
        }
        catch (BencodeException e)
        {
            throw Invalid(tracker, $"answered with invalid bencode: {e.Message}", e);
        }
    }

    private static void ThrowIfFailure(BDictionary dict, Uri tracker)
    {
        var failure = dict["failure reason"];
        if (failure is null) return;
        if (failure is not BString text) throw Invalid(tracker, "answered a 'failure reason' that is not a string");
        var reason = TrackerException.Printable(text.Span);
        throw new TrackerException(tracker, TrackerErrorKind.Failure, $"refused the request: {reason}") { FailureReason = reason };
    }

    private static void ReadDictionaryPeers(BList list, List<IPEndPoint> peers, Uri tracker, int maxPeers)
    {
        foreach (var item in list)
        {
            if (peers.Count >= maxPeers) return;
            if (item is not BDictionary peer) throw Invalid(tracker, "answered a 'peers' list entry that is not a dictionary");
            if (peer["ip"] is not BString ip) throw Invalid(tracker, "answered a peer without an 'ip' string");
            if (peer["port"] is not BInteger port) throw Invalid(tracker, "answered a peer without an integer 'port'");
            // Host names are allowed by BEP 3, but resolving names handed out by a tracker is a lookup we do not make.
            if (port.Value is < 1 or > ushort.MaxValue || !IPAddress.TryParse(ip.Text, out var address)) continue;
            if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) continue;
            peers.Add(new IPEndPoint(address, (int)port.Value));
        }
    }

    private static TimeSpan? Seconds(BDictionary dict, string key, Uri tracker)
    {
        var value = dict[key];
        if (value is null) return null;
        if (value is not BInteger seconds || seconds.Value < 0) throw Invalid(tracker, $"answered '{key}' that is not a non-negative integer");
        return TimeSpan.FromSeconds(Math.Min(seconds.Value, MaxIntervalSeconds));
    }

    private static int? Count(BDictionary dict, string key, Uri tracker)
    {
        var value = dict[key];
        if (value is null) return null;
        if (value is not BInteger count || count.Value < 0) throw Invalid(tracker, $"answered '{key}' that is not a non-negative integer");
        return (int)Math.Min(count.Value, int.MaxValue);
    }

    private static string? OptionalText(BDictionary dict, string key, Uri tracker)
    {
        var value = dict[key];
        if (value is null) return null;
        if (value is not BString text) throw Invalid(tracker, $"answered '{key}' that is not a string");
        return TrackerException.Printable(text.Span);
    }

    private static TrackerException Invalid(Uri tracker, string what, Exception? inner = null) =>
        new(tracker, TrackerErrorKind.InvalidResponse, what, inner);
}
