using Shoal.Metainfo;
using Shoal.Tests.Support.Reference;

namespace Shoal.Harness;

/// <summary>The generated file every run transfers, and its .torrent (whose announce URL each run rewrites).</summary>
public sealed record Payload(string Directory, string Name, long Length, string TemplateTorrent, InfoHash InfoHash)
{
    public string FilePath => Path.Combine(Directory, Name);

    public static async Task<Payload> CreateAsync(string workDirectory, long length, int pieceLength, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(workDirectory, "source");
        var name = $"payload-{length}.bin";
        PayloadFile.Write(Path.Combine(directory, name), length, seed: (ulong)length);
        var payload = new Payload(directory, name, length, "", default);
        return await payload.WithFormatAsync(workDirectory, "v1", pieceLength, cancellationToken);
    }

    /// <summary>
    /// The same file described as a v1, v2-only or hybrid torrent (BEP 52), made by libtorrent; the info-hash is the one
    /// on the wire and at the tracker (a v2-only torrent's truncated SHA-256, a hybrid's v1 hash).
    /// </summary>
    public async Task<Payload> WithFormatAsync(string workDirectory, string format, int pieceLength, CancellationToken cancellationToken)
    {
        var torrent = await LibtorrentPeer.CreateTorrentAsync(FilePath, Path.Combine(workDirectory, $"template-{format}.torrent"),
            ["http://127.0.0.1:1/announce"], pieceLength, timeout: TimeSpan.FromMinutes(10), cancellationToken: cancellationToken,
            hybrid: format == "hybrid", v2: format == "v2");
        return this with { TemplateTorrent = torrent.TorrentPath, InfoHash = Torrent.Load(torrent.TorrentPath).InfoHash };
    }
}
