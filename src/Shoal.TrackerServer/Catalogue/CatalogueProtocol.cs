namespace Shoal.TrackerServer.Catalogue;

/// <summary>The names the catalogue's HTTP interface uses, shared by the tracker and its clients.</summary>
public static class CatalogueProtocol
{
    /// <summary>The listing (GET) and publishing (POST) path; entries live under it as <c>HEX.torrent</c>.</summary>
    public const string BasePath = "/catalogue";

    /// <summary>Request header carrying the publishing key (the query parameter <see cref="KeyParameter"/> works too).</summary>
    public const string KeyHeader = "X-Catalogue-Key";

    public const string KeyParameter = "key";

    public const string TorrentMediaType = "application/x-bittorrent";

    /// <summary>The path of one entry's .torrent.</summary>
    public static string TorrentPath(string infoHashHex) => $"{BasePath}/{infoHashHex}.torrent";
}
