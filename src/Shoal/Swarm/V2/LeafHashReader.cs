using System.Buffers;
using Microsoft.Extensions.Logging;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm.V2;

/// <summary>
/// Answers peers' hash requests below the piece layer (BEP 52 leaf hashes, which a peer asks for to find the bad block
/// of a piece that failed): we keep no leaf hashes, so the pieces the request covers are read from storage and hashed
/// off the torrent's lock, then the answer is built under it. Only pieces we have verified are read. Bounded: at most
/// <see cref="MaxWindowBytes"/> (or one piece) read per request, one read per peer and <see cref="MaxReads"/> per torrent
/// at a time; a request past those is rejected.
/// </summary>
internal sealed class LeafHashReader(SwarmContext swarm, MerkleHashStore store)
{
    /// <summary>Most data read for one request (a request for 512 leaves covers 8 MiB), unless one piece is larger.</summary>
    public const long MaxWindowBytes = 8L << 20;

    /// <summary>Reads in progress for the torrent at once.</summary>
    public const int MaxReads = 4;

    private readonly HashSet<PeerConnection> _reading = [];

    /// <summary>Sends the answer from the window's leaf hashes (lock held); false when it cannot (then rejected).</summary>
    public delegate bool Answer(PeerConnection peer, HashRequest request, ReadOnlySpan<byte> windowLeaves);

    /// <summary>
    /// Starts reading pieces [<paramref name="first"/>, +<paramref name="count"/>) to answer <paramref name="request"/>
    /// (lock held). False when the request is not served: pieces we lack, too much data, or the peer or torrent busy.
    /// </summary>
    public bool TryStart(PeerConnection peer, HashRequest request, int first, int count, Answer answer)
    {
        var info = swarm.Info!;
        if (swarm.Storage is not { } storage || swarm.Picker is not { } picker || count <= 0) return false;
        if ((long)count * info.PieceLength > Math.Max(info.PieceLength, MaxWindowBytes)) return false;
        if (_reading.Count >= MaxReads || _reading.Contains(peer)) return false;
        var lengths = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (!picker.Have[first + i]) return false; // only verified data is hashed for a peer
            lengths[i] = store.PieceDataLength(first + i);
        }
        _reading.Add(peer);
        _ = Task.Run(() => ReadAsync(peer, request, first, lengths, storage, answer));
        return true;
    }

    private async Task ReadAsync(PeerConnection peer, HashRequest request, int first, int[] lengths, IPieceStorage storage, Answer answer)
    {
        long blocks = 0;
        foreach (int length in lengths) blocks += Merkle.BlockCount(length);
        byte[]? leaves = new byte[blocks * Merkle.HashSize];
        var buffer = ArrayPool<byte>.Shared.Rent(lengths.Max());
        try
        {
            int at = 0;
            for (int i = 0; i < lengths.Length; i++)
            {
                await storage.ReadAsync(first + i, 0, buffer.AsMemory(0, lengths[i]), CancellationToken.None).ConfigureAwait(false);
                at += Merkle.HashBlocks(buffer.AsSpan(0, lengths[i]), leaves.AsSpan(at)) * Merkle.HashSize;
            }
        }
        catch (Exception ex)
        {
            // The piece went bad on disk, the storage closed, the disk failed: the request is rejected, nothing else.
            swarm.Log.LogDebug("leaf hashes for {Peer} not read: {Error}", peer.RemoteEndPoint, ex.Message);
            leaves = null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        lock (swarm.Sync)
        {
            _reading.Remove(peer);
            if (peer.IsClosed) return;
            if (leaves is null || !answer(peer, request, leaves)) HashExchange.Reject(peer, request);
        }
    }
}
