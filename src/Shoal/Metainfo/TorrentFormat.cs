namespace Shoal.Metainfo;

/// <summary>Which description(s) of the content a new torrent carries.</summary>
public enum TorrentFormat
{
    /// <summary>BEP 3: SHA-1 piece hashes. Every client reads it.</summary>
    V1,

    /// <summary>BEP 52 only: a file tree with SHA-256 merkle roots; files start on piece boundaries. libtorrent 2 reads it; Transmission 3, aria2 and older clients do not.</summary>
    V2,

    /// <summary>Both (BEP 52's upgrade path), the v1 file list aligned with BEP 47 padding files: one torrent, two swarms.</summary>
    Hybrid,
}
