using System.Buffers;
using System.Security.Cryptography;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Swarm;

internal enum MetadataAcceptOutcome
{
    /// <summary>Stored; more pieces are missing.</summary>
    Accepted,
    /// <summary>Stored, and it was the last missing piece: time to verify.</summary>
    Completed,
    /// <summary>Not asked of this peer (or already answered by another): ignored, no harm.</summary>
    Unrequested,
    /// <summary>Wrong length or total size for a piece we asked for: the peer breaks the protocol.</summary>
    Invalid,
}

/// <summary>
/// Collects the pieces of one info dictionary of a known size from several peers (BEP 9): hands out pieces to ask for,
/// checks each answer's size, remembers who sent what (to blame them if the whole fails the info-hash), and lets a
/// piece be asked of a second peer only when nothing unasked is left. Not thread-safe: the fetcher serialises calls.
/// </summary>
internal sealed class MetadataAssembler<TPeer> where TPeer : class
{
    private readonly byte[] _buffer;
    private readonly TPeer?[] _receivedFrom;
    private readonly List<(TPeer Peer, long At)>[] _asked;
    private int _missing;

    public MetadataAssembler(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MetadataMessage.MaxMetadataSize);
        Size = size;
        PieceCount = MetadataMessage.PieceCount(size);
        _buffer = new byte[size];
        _receivedFrom = new TPeer?[PieceCount];
        _asked = new List<(TPeer, long)>[PieceCount];
        for (int i = 0; i < PieceCount; i++) _asked[i] = [];
        _missing = PieceCount;
    }

    public int Size { get; }

    public int PieceCount { get; }

    public bool IsComplete => _missing == 0;

    public long ReceivedBytes { get; private set; }

    /// <summary>The assembled bytes (meaningful once <see cref="IsComplete"/>).</summary>
    public ReadOnlyMemory<byte> Bytes => _buffer;

    /// <summary>Peers that supplied at least one piece.</summary>
    public IReadOnlyCollection<TPeer> Contributors => _receivedFrom.OfType<TPeer>().Distinct().ToList();

    /// <summary>Requests outstanding with a peer.</summary>
    public int OutstandingFor(TPeer peer)
    {
        int count = 0;
        foreach (var asked in _asked)
            foreach (var (p, _) in asked)
                if (ReferenceEquals(p, peer)) count++;
        return count;
    }

    /// <summary>
    /// Picks a piece to ask <paramref name="peer"/> for: the first nobody was asked for; failing that (the end of the
    /// fetch), one still missing that only one other peer was asked for.
    /// </summary>
    public bool TryAssign(TPeer peer, long now, out int piece)
    {
        piece = -1;
        for (int i = 0; i < PieceCount; i++)
        {
            if (_receivedFrom[i] is null && _asked[i].Count == 0)
            {
                piece = i;
                break;
            }
        }
        if (piece < 0)
        {
            for (int i = 0; i < PieceCount; i++)
            {
                if (_receivedFrom[i] is null && _asked[i].Count == 1 && !ReferenceEquals(_asked[i][0].Peer, peer))
                {
                    piece = i;
                    break;
                }
            }
        }
        if (piece < 0) return false;
        _asked[piece].Add((peer, now));
        return true;
    }

    /// <summary>A data message: the piece must have been asked of this peer and have exactly its size.</summary>
    public MetadataAcceptOutcome Accept(TPeer peer, int piece, int totalSize, ReadOnlySequence<byte> data)
    {
        if ((uint)piece >= (uint)PieceCount) return MetadataAcceptOutcome.Unrequested;
        int index = _asked[piece].FindIndex(a => ReferenceEquals(a.Peer, peer));
        if (index < 0) return MetadataAcceptOutcome.Unrequested;
        if (totalSize != Size || data.Length != MetadataMessage.PieceLength(piece, Size)) return MetadataAcceptOutcome.Invalid;
        _asked[piece].Clear(); // any duplicate ask is moot now; a late answer to it is simply unrequested
        if (_receivedFrom[piece] is not null) return MetadataAcceptOutcome.Unrequested;
        data.CopyTo(_buffer.AsSpan(piece * MetadataMessage.PieceSize));
        _receivedFrom[piece] = peer;
        ReceivedBytes += data.Length;
        return --_missing == 0 ? MetadataAcceptOutcome.Completed : MetadataAcceptOutcome.Accepted;
    }

    /// <summary>The peer rejected the request (or will never answer it): another peer may be asked.</summary>
    public void Release(TPeer peer, int piece)
    {
        if ((uint)piece < (uint)PieceCount) _asked[piece].RemoveAll(a => ReferenceEquals(a.Peer, peer));
    }

    /// <summary>The peer is gone: drops its outstanding requests (what it delivered stays).</summary>
    public void Forget(TPeer peer)
    {
        foreach (var asked in _asked) asked.RemoveAll(a => ReferenceEquals(a.Peer, peer));
    }

    /// <summary>Peers with a request older than <paramref name="deadline"/> (a timestamp).</summary>
    public List<TPeer> PeersLateSince(long deadline)
    {
        var late = new List<TPeer>();
        foreach (var asked in _asked)
            foreach (var (p, at) in asked)
                if (at < deadline && !late.Contains(p)) late.Add(p);
        return late;
    }

    /// <summary>True when the assembled bytes hash to <paramref name="expected"/>: their SHA-1 (v1), or their SHA-256
    /// truncated to 20 bytes (a v2 magnet link's wire hash).</summary>
    public bool Matches(InfoHash expected)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA1.HashData(_buffer, hash);
        if (hash[..InfoHash.Length].SequenceEqual(expected.Span)) return true;
        SHA256.HashData(_buffer, hash);
        return hash[..InfoHash.Length].SequenceEqual(expected.Span);
    }
}
