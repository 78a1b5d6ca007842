using Shoal.Metainfo;

namespace Shoal.Tests.Support.Reference;

/// <summary>A .torrent file written by a reference program, with the info-hash that program computed.</summary>
public sealed record CreatedTorrent(string TorrentPath, InfoHash InfoHash, string MagnetUri);
