namespace Shoal.Metainfo;

/// <summary>A .torrent file, info dictionary or magnet link that is malformed or unsafe; the message says what is wrong.</summary>
public sealed class InvalidTorrentException(string message, Exception? inner = null) : FormatException(message, inner);
