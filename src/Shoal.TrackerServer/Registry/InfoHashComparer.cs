using Shoal.Metainfo;

namespace Shoal.TrackerServer.Registry;

/// <summary>
/// Hashes all 20 bytes with a per-process random seed: info-hashes come from the network, and a fixed hash of their
/// first bytes would let anyone pile torrents into one dictionary bucket.
/// </summary>
internal sealed class InfoHashComparer : IEqualityComparer<InfoHash>
{
    public static readonly InfoHashComparer Instance = new();

    public bool Equals(InfoHash x, InfoHash y) => x.Equals(y);

    public int GetHashCode(InfoHash obj)
    {
        var hash = new HashCode();
        hash.AddBytes(obj.Span);
        return hash.ToHashCode();
    }
}
