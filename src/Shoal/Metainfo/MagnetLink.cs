using System.Globalization;
using System.Net;
using System.Text;

namespace Shoal.Metainfo;

/// <summary>
/// A BEP 9 magnet link: <c>magnet:?xt=urn:btih:HASH&amp;dn=NAME&amp;tr=URL&amp;x.pe=HOST:PORT&amp;xl=BYTES&amp;ws=URL</c>
/// for a v1 torrent, <c>xt=urn:btmh:1220HASH</c> (a SHA-256 multihash) for a v2 one, both for a hybrid. A v1 hash may
/// be 40 hex digits or 32 base32 characters; <see cref="ToString"/> writes hex.
/// </summary>
public sealed class MagnetLink
{
    /// <summary>Most 'ws' web seeds kept from a link (the engine uses at most 8 at once); later ones are ignored.</summary>
    public const int MaxWebSeeds = 32;

    /// <summary>Longest 'ws' URL kept from a link.</summary>
    public const int MaxWebSeedLength = 8 * 1024;

    public MagnetLink(InfoHash infoHash, string? displayName = null, IEnumerable<string>? trackers = null,
        IEnumerable<EndPoint>? peers = null, long? exactLength = null, IEnumerable<string>? webSeeds = null)
        : this(new InfoHashes(infoHash), displayName, trackers, peers, exactLength, webSeeds)
    {
    }

    public MagnetLink(InfoHashes infoHashes, string? displayName = null, IEnumerable<string>? trackers = null,
        IEnumerable<EndPoint>? peers = null, long? exactLength = null, IEnumerable<string>? webSeeds = null)
    {
        if (exactLength < 0) throw new ArgumentOutOfRangeException(nameof(exactLength), "must not be negative");
        if (!infoHashes.HasV1 && !infoHashes.HasV2) throw new ArgumentException("a magnet link needs an info-hash", nameof(infoHashes));
        InfoHashes = infoHashes;
        InfoHash = infoHashes.Primary;
        DisplayName = string.IsNullOrEmpty(displayName) ? null : displayName;
        Trackers = Torrent.NormaliseUrls(trackers);
        Peers = peers?.Distinct().ToArray() ?? [];
        if (Peers.Any(p => p is not (IPEndPoint or DnsEndPoint)))
            throw new ArgumentException("peers must be IPEndPoint or DnsEndPoint", nameof(peers));
        ExactLength = exactLength;
        WebSeeds = Torrent.NormaliseUrls(webSeeds);
        if (WebSeeds.Any(w => !IsUsableWebSeed(w))) throw new ArgumentException("web seeds must be absolute http:// or https:// URLs", nameof(webSeeds));
    }

    /// <summary>
    /// 'ws': web seeds (BEP 19 url-list entries, as libtorrent reads them from magnet links): the torrent's data is
    /// downloaded from them too once the metadata has arrived from peers.
    /// </summary>
    public IReadOnlyList<string> WebSeeds { get; }

    /// <summary>What a 'ws' must be to be kept: a bounded absolute http(s) URL with no user information or fragment.</summary>
    public static bool IsUsableWebSeed(string? url) =>
        url is { Length: > 0 and <= MaxWebSeedLength } && Uri.TryCreate(url, UriKind.Absolute, out var uri) &&
        uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.UserInfo) && string.IsNullOrEmpty(uri.Fragment) &&
        !url.Any(char.IsControl);

    /// <summary>The 20-byte hash to find peers by: the v1 hash, else the truncated v2 hash (<see cref="InfoHashes.Primary"/>).</summary>
    public InfoHash InfoHash { get; }

    /// <summary>'xt': the v1 hash (urn:btih), the v2 hash (urn:btmh), or both.</summary>
    public InfoHashes InfoHashes { get; }

    /// <summary>'dn': a name to show until the metadata arrives.</summary>
    public string? DisplayName { get; }

    /// <summary>'tr': tracker URLs, in the order given.</summary>
    public IReadOnlyList<string> Trackers { get; }

    /// <summary>'x.pe': peers to contact directly (<see cref="IPEndPoint"/>, or <see cref="DnsEndPoint"/> for host names).</summary>
    public IReadOnlyList<EndPoint> Peers { get; }

    /// <summary>'xl': the total size of the content in bytes.</summary>
    public long? ExactLength { get; }

    /// <summary>Parses a magnet link; throws <see cref="InvalidTorrentException"/> saying what is wrong.</summary>
    public static MagnetLink Parse(string text) =>
        TryParse(text, out var link, out var error) ? link : throw new InvalidTorrentException($"invalid magnet link: {error}");

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MagnetLink? link) =>
        TryParse(text, out link, out _);

    /// <summary>Never throws; on failure <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MagnetLink? link,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error) =>
        MagnetLinkParser.TryParse(text, out link, out error);

    /// <summary>The magnet link of a torrent: its info-hash, name, size and every tracker.</summary>
    public static MagnetLink FromTorrent(Torrent torrent)
    {
        ArgumentNullException.ThrowIfNull(torrent);
        // 'xl' is the size of the content: padding files are zeros no one downloads.
        long size = torrent.Info.Files.Where(f => !f.IsPadding).Sum(f => f.Length);
        return new MagnetLink(torrent.InfoHashes, torrent.Info.Name, torrent.Trackers, exactLength: size,
            webSeeds: torrent.WebSeeds.Where(IsUsableWebSeed).Take(MaxWebSeeds));
    }

    public override string ToString()
    {
        var text = new StringBuilder("magnet:?");
        if (InfoHashes.V1 is { } v1) text.Append("xt=urn:btih:").Append(v1.ToHex());
        if (InfoHashes.V2 is { } v2) text.Append(InfoHashes.HasV1 ? "&" : "").Append("xt=urn:btmh:").Append(v2.ToMultihash());
        if (DisplayName is not null) text.Append("&dn=").Append(Uri.EscapeDataString(DisplayName));
        if (ExactLength is { } length) text.Append("&xl=").Append(length.ToString(CultureInfo.InvariantCulture));
        foreach (var tracker in Trackers) text.Append("&tr=").Append(Uri.EscapeDataString(tracker));
        foreach (var peer in Peers) text.Append("&x.pe=").Append(Uri.EscapeDataString(FormatPeer(peer)));
        foreach (var seed in WebSeeds) text.Append("&ws=").Append(Uri.EscapeDataString(seed));
        return text.ToString();
    }

    /// <summary>A peer as x.pe writes it: host:port, 1.2.3.4:port or [ipv6]:port.</summary>
    public static string FormatPeer(EndPoint peer) => peer switch
    {
        IPEndPoint ip => ip.ToString(), // IPv6 comes out as [addr]:port
        DnsEndPoint dns => $"{dns.Host}:{dns.Port.ToString(CultureInfo.InvariantCulture)}",
        _ => peer.ToString() ?? "",
    };
}
