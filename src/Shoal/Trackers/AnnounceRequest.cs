using Shoal.Metainfo;

namespace Shoal.Trackers;

/// <summary>
/// What a client tells a tracker about itself and one torrent.
/// <paramref name="PeerId"/> must be 20 bytes; <paramref name="Ip"/> is the address to announce instead of the
/// one the tracker sees (<c>--announce-ip</c>); <paramref name="Key"/> identifies this client across address changes.
/// </summary>
public sealed record AnnounceRequest(
    InfoHash InfoHash,
    ReadOnlyMemory<byte> PeerId,
    int Port,
    long Uploaded,
    long Downloaded,
    long Left,
    AnnounceEvent Event,
    int NumWant = 50,
    string? Ip = null,
    uint Key = 0)
{
    public const int PeerIdLength = 20;

    /// <summary>Throws <see cref="ArgumentException"/> for values no tracker could accept (a caller bug, not a tracker error).</summary>
    public void Validate()
    {
        if (PeerId.Length != PeerIdLength)
            throw new ArgumentException($"peer id must be {PeerIdLength} bytes, got {PeerId.Length}", nameof(PeerId));
        if (Port is < 0 or > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "port must be between 0 and 65535");
        if (Uploaded < 0 || Downloaded < 0 || Left < 0)
            throw new ArgumentOutOfRangeException(nameof(Left), "uploaded, downloaded and left must not be negative");
        if (NumWant < -1)
            throw new ArgumentOutOfRangeException(nameof(NumWant), NumWant, "numwant must be -1 (tracker default) or more");
    }
}
