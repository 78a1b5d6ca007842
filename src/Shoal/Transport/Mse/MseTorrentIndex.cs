using System.Collections.Concurrent;
using Shoal.Metainfo;

namespace Shoal.Transport.Mse;

/// <summary>
/// Finds the torrent an incoming MSE handshake is for. The initiator proves which info-hash (SKEY) it means by sending
/// HASH('req2', SKEY) (masked); the responder is handed that hash and answers with the SKEY it belongs to, or false.
/// </summary>
public delegate bool MseStreamKeyLookup(ReadOnlySpan<byte> streamKeyHash, out InfoHash infoHash);

/// <summary>
/// The torrents a port serves, indexed by HASH('req2', info-hash) so a responder finds one in O(1) whatever their
/// number. Thread-safe: torrents come and go while handshakes run.
/// </summary>
public sealed class MseTorrentIndex
{
    // The key is the 20-byte HASH('req2', info-hash), kept in an InfoHash only because that is a ready 20-byte value type.
    private readonly ConcurrentDictionary<InfoHash, InfoHash> _byStreamKeyHash = new();

    public int Count => _byStreamKeyHash.Count;

    public void Add(InfoHash infoHash) => _byStreamKeyHash[KeyOf(infoHash)] = infoHash;

    public void Remove(InfoHash infoHash) => _byStreamKeyHash.TryRemove(KeyOf(infoHash), out _);

    /// <summary>The lookup to give <see cref="MseHandshake.RespondAsync"/>.</summary>
    public bool TryFind(ReadOnlySpan<byte> streamKeyHash, out InfoHash infoHash)
    {
        infoHash = default;
        return streamKeyHash.Length == MseKeys.HashLength && _byStreamKeyHash.TryGetValue(new InfoHash(streamKeyHash), out infoHash);
    }

    private static InfoHash KeyOf(InfoHash infoHash)
    {
        Span<byte> hash = stackalloc byte[MseKeys.HashLength];
        MseKeys.StreamKeyHash(infoHash.Span, hash);
        return new InfoHash(hash);
    }
}
