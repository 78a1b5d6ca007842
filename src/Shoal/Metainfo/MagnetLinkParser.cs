using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Shoal.Metainfo;

/// <summary>BEP 9 magnet link parsing (v1 btih, v2 btmh, or both); never throws, reports the first problem found.</summary>
internal static class MagnetLinkParser
{
    /// <summary>Longer links are refused before any work (real ones with dozens of trackers stay under a few KiB).</summary>
    public const int MaxLength = 64 * 1024;

    private const string Scheme = "magnet:";
    private const string BtihPrefix = "urn:btih:";
    private const string BtmhPrefix = "urn:btmh:";

    public static bool TryParse(string? text, [NotNullWhen(true)] out MagnetLink? link, [NotNullWhen(false)] out string? error)
    {
        link = null;
        error = Check(text, out var parts);
        if (error is not null) return false;
        link = new MagnetLink(new InfoHashes(parts.Hash, parts.HashV2), parts.Name, parts.Trackers, parts.Peers, parts.Length, parts.WebSeeds);
        return true;
    }

    private sealed class Parts
    {
        public InfoHash? Hash;
        public InfoHashV2? HashV2;
        public string? Name;
        public long? Length;
        public readonly List<string> Trackers = [];
        public readonly List<EndPoint> Peers = [];
        public readonly List<string> WebSeeds = [];
    }

    private static string? Check(string? text, out Parts parts)
    {
        parts = new Parts();
        if (string.IsNullOrWhiteSpace(text)) return "it is empty";
        text = text.Trim();
        if (text.Length > MaxLength) return $"it is {text.Length} characters long (the limit is {MaxLength})";
        if (!text.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) return "it does not start with 'magnet:?'";
        if (text.Length == Scheme.Length || text[Scheme.Length] != '?') return "'magnet:' is not followed by '?'";

        foreach (var parameter in text[(Scheme.Length + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = parameter.IndexOf('=');
            string key = equals < 0 ? parameter : parameter[..equals];
            string rawValue = equals < 0 ? "" : parameter[(equals + 1)..];
            var problem = BaseKey(key) switch
            {
                "xt" => ReadExactTopic(Unescape(rawValue), parts),
                "dn" => ReadName(rawValue, parts),
                "tr" => ReadTracker(Unescape(rawValue), parts),
                "x.pe" => ReadPeer(Unescape(rawValue), parts),
                "xl" => ReadLength(Unescape(rawValue), parts),
                "ws" => ReadWebSeed(Unescape(rawValue), parts),
                _ => null, // BEP 9 lets clients ignore what they do not use (as, xs, so, …)
            };
            if (problem is not null) return problem;
        }

        if (parts.Hash is null && parts.HashV2 is null) return "it has no 'xt=urn:btih:' (v1) or 'xt=urn:btmh:' (v2) info-hash";
        return null;
    }

    /// <summary>"tr.1", "xt.2", … are numbered repeats of "tr" and "xt".</summary>
    private static string BaseKey(string key)
    {
        key = key.ToLowerInvariant();
        int dot = key.IndexOf('.');
        if (dot > 0 && key[..dot] is "tr" or "xt" && key.AsSpan(dot + 1).Length > 0 && IsDigits(key.AsSpan(dot + 1))) return key[..dot];
        return key;
    }

    private static string? ReadExactTopic(string value, Parts parts)
    {
        if (value.StartsWith(BtmhPrefix, StringComparison.OrdinalIgnoreCase))
        {
            // BEP 9: a multihash; BEP 52 uses SHA-256, tagged 0x12 and length 0x20, written in hex.
            var multihash = value[BtmhPrefix.Length..];
            if (multihash.Length != 68 || !multihash.StartsWith(InfoHashV2.MultihashPrefix, StringComparison.Ordinal) || !InfoHashV2.TryParse(multihash, out var v2))
                return $"'xt=urn:btmh:{Shorten(multihash)}' is not a v2 info-hash (expected 1220 and 64 hex digits: a SHA-256 multihash)";
            if (parts.HashV2 is { } earlierV2 && earlierV2 != v2) return "it has two different 'xt=urn:btmh:' info-hashes";
            parts.HashV2 = v2;
            return null;
        }
        if (!value.StartsWith(BtihPrefix, StringComparison.OrdinalIgnoreCase)) return null; // another network's hash
        var hashText = value[BtihPrefix.Length..];
        if (!InfoHash.TryParse(hashText, out var hash))
            return $"'xt=urn:btih:{Shorten(hashText)}' is not an info-hash (expected 40 hex digits or 32 base32 characters)";
        if (parts.Hash is { } earlier && earlier != hash) return "it has two different 'xt=urn:btih:' info-hashes";
        parts.Hash = hash;
        return null;
    }

    private static string? ReadName(string rawValue, Parts parts)
    {
        // Many links encode spaces as '+' (HTML form style); a literal plus is "%2B".
        var name = Unescape(rawValue.Replace('+', ' ')).Trim();
        parts.Name ??= name.Length > 0 ? name : null;
        return null;
    }

    private static string? ReadTracker(string value, Parts parts)
    {
        value = value.Trim();
        if (value.Length == 0) return "it has an empty 'tr' (tracker) parameter";
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "udp" or "wss" or "ws"))
            return $"'tr={Shorten(value)}' is not a tracker URL (expected http://, https:// or udp://)";
        parts.Trackers.Add(value);
        return null;
    }

    private static string? ReadPeer(string value, Parts parts)
    {
        if (!TryParsePeer(value, out var peer)) return $"'x.pe={Shorten(value)}' is not a peer address (expected host:port, 1.2.3.4:port or [ipv6]:port)";
        parts.Peers.Add(peer);
        return null;
    }

    /// <summary>
    /// A web seed is optional: one that is not a usable http(s) URL, a repeat, or one past
    /// <see cref="MagnetLink.MaxWebSeeds"/> is ignored (BEP 19: an unusable url-list entry is ignored), not an error.
    /// </summary>
    private static string? ReadWebSeed(string value, Parts parts)
    {
        value = value.Trim();
        if (parts.WebSeeds.Count < MagnetLink.MaxWebSeeds && MagnetLink.IsUsableWebSeed(value) && !parts.WebSeeds.Contains(value))
            parts.WebSeeds.Add(value);
        return null;
    }

    private static string? ReadLength(string value, Parts parts)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long length))
            return $"'xl={Shorten(value)}' is not a size in bytes";
        parts.Length = length;
        return null;
    }

    internal static bool TryParsePeer(string text, [NotNullWhen(true)] out EndPoint? peer)
    {
        peer = null;
        int colon = text.LastIndexOf(':');
        if (colon <= 0) return false;
        var portText = text.AsSpan(colon + 1);
        if (portText.Length is 0 or > 5 || !IsDigits(portText)) return false;
        int port = int.Parse(portText, CultureInfo.InvariantCulture);
        if (port is < 1 or > IPEndPoint.MaxPort) return false;
        var host = text[..colon];
        if (host.StartsWith('['))
        {
            if (!host.EndsWith(']') || !IPAddress.TryParse(host.AsSpan(1, host.Length - 2), out var v6) ||
                v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6) return false;
            peer = new IPEndPoint(v6, port);
            return true;
        }
        if (host.Contains(':')) return false; // a bare IPv6 address must be bracketed
        if (IPAddress.TryParse(host, out var v4))
        {
            // IPAddress.TryParse also takes forms such as "1" or "1.2"; insist on the dotted quad.
            if (host.Count(c => c == '.') != 3) return false;
            peer = new IPEndPoint(v4, port);
            return true;
        }
        if (Uri.CheckHostName(host) != UriHostNameType.Dns) return false;
        peer = new DnsEndPoint(host, port);
        return true;
    }

    private static string Unescape(string value)
    {
        try
        {
            return Uri.UnescapeDataString(value);
        }
        catch (UriFormatException)
        {
            return value;
        }
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        foreach (char c in text) if (c is < '0' or > '9') return false;
        return true;
    }

    private static string Shorten(string text)
    {
        var safe = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return safe.Length > 60 ? safe[..60] + "…" : safe;
    }
}
