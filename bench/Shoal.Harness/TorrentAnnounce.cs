using Shoal.Bencoding;

namespace Shoal.Harness;

/// <summary>Each run gets a fresh tracker (no stale peers from the previous run), hence a new announce URL. The URL
/// sits outside the info dictionary, so rewriting it keeps the info-hash and spares re-hashing the payload.</summary>
public static class TorrentAnnounce
{
    public static void Rewrite(string sourceTorrent, string targetTorrent, string announceUrl)
    {
        if (BValue.Parse(File.ReadAllBytes(sourceTorrent)) is not BDictionary root)
            throw new InvalidDataException($"{sourceTorrent} is not a bencoded dictionary");
        root.Add("announce", announceUrl);
        root.Set("announce-list"u8, null);
        File.WriteAllBytes(targetTorrent, root.Encode());
    }
}
