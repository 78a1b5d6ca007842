using System.Net;
using System.Security.Cryptography;

namespace Shoal.Swarm;

/// <summary>
/// Blame for pieces that fail their hash, as libtorrent's smart-ban assigns it. When a piece mixes blocks from several
/// peers, its failure alone does not say who lied, so nobody is punished for it: we remember who sent each block and a
/// hash of what they sent. When the piece later passes, the verified data is the truth: every address whose block
/// differed from it lied, and only those are banned. An innocent peer that shared a failed piece is never blamed.
/// Bounded: at most <see cref="MaxPieces"/> failed pieces are remembered (the oldest are forgotten), each with at most
/// <see cref="MaxRecordsPerPiece"/> blocks. Thread-safe (failures and passes arrive from the hashing workers).
/// </summary>
internal sealed class SmartBan
{
    public const int MaxPieces = 512;
    public const int MaxRecordsPerPiece = 1024;

    private readonly record struct Record(int Block, IPAddress Sender, UInt128 Digest);

    private readonly Lock _sync = new();
    private readonly Dictionary<int, List<Record>> _failed = [];
    private readonly Queue<int> _order = new();

    /// <summary>Remembers who sent each block of a failed piece and what they sent.</summary>
    public void OnFailed(PieceDownload download, ReadOnlySpan<byte> data)
    {
        Span<Record> records = new Record[download.BlockCount];
        int n = 0;
        for (int block = 0; block < download.BlockCount; block++)
        {
            if (download.SenderOf(block) is not PeerConnection peer) continue;
            records[n++] = new Record(block, peer.RemoteEndPoint.Address, Digest(data.Slice(block * BlockRequest.BlockSize, download.BlockLength(block))));
        }
        lock (_sync)
        {
            if (!_failed.TryGetValue(download.Index, out var list))
            {
                if (_order.Count >= MaxPieces) _failed.Remove(_order.Dequeue());
                _failed[download.Index] = list = [];
                _order.Enqueue(download.Index);
            }
            foreach (var record in records[..n])
                if (list.Count < MaxRecordsPerPiece && !list.Contains(record)) list.Add(record);
        }
    }

    /// <summary>A piece passed: the addresses whose blocks, in an earlier failed attempt, differed from the verified data.</summary>
    public IReadOnlyList<IPAddress> OnPassed(int piece, int pieceSize, ReadOnlySpan<byte> data)
    {
        List<Record>? list;
        lock (_sync)
        {
            if (!_failed.Remove(piece, out list)) return [];
        }
        var liars = new List<IPAddress>();
        var truth = new Dictionary<int, UInt128>();
        foreach (var record in list)
        {
            if (!truth.TryGetValue(record.Block, out var digest))
            {
                int begin = record.Block * BlockRequest.BlockSize;
                truth[record.Block] = digest = Digest(data.Slice(begin, Math.Min(BlockRequest.BlockSize, pieceSize - begin)));
            }
            if (digest != record.Digest && !liars.Contains(record.Sender)) liars.Add(record.Sender);
        }
        return liars;
    }

    /// <summary>Whether a failed attempt of the piece is remembered (a pass then needs <see cref="OnPassed"/>).</summary>
    public bool IsSuspect(int piece)
    {
        lock (_sync) return _failed.ContainsKey(piece);
    }

    // A cryptographic hash: a liar must not be able to craft a wrong block that collides with the right one.
    private static UInt128 Digest(ReadOnlySpan<byte> block)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(block, hash);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }
}
