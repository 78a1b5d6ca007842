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
        var torrent = await LibtorrentPeer.CreateTorrentAsync(Path.Combine(directory, name), Path.Combine(workDirectory, "template.torrent"),
            ["http://127.0.0.1:1/announce"], pieceLength, timeout: TimeSpan.FromMinutes(10), cancellationToken: cancellationToken);
        return new Payload(directory, name, length, torrent.TorrentPath, torrent.InfoHash);
    }
}
