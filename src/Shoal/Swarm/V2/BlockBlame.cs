using Shoal.Wire;

namespace Shoal.Swarm.V2;

/// <summary>What the torrent does with the verdict on a failed v2 piece (implemented by <see cref="VerificationOutcomes"/>; lock held).</summary>
internal interface IBlockVerdicts
{
    /// <summary>Proven leaf hashes named the bad blocks: their senders are banned, only they are fetched again.</summary>
    void OnBadBlocks(PieceDownload download, ReadOnlySpan<bool> bad);

    /// <summary>Nobody said which blocks were bad in time (or none was): the piece fails whole, as a v1 piece does.</summary>
    void OnUnresolved(PieceDownload download);

    void Ban(PeerConnection peer, string reason);
}

/// <summary>
/// Block-level blame for v2 pieces (BEP 52), as libtorrent does it: a piece that fails its merkle hash is held (its
/// buffer and who sent each block) while a peer is asked for the piece's leaf hashes; the answer is proven against the
/// piece's hash we trust, then each block is compared with its leaf. Only the senders of bad blocks are banned, only
/// bad blocks are fetched again, and peers that sent good blocks of the piece are not blamed at all. A peer whose leaf
/// hashes do not prove is banned. Bounded: at most <see cref="MaxHeld"/> pieces held (their buffers stay within the
/// picker's in-flight budget), each for at most <see cref="GiveUpAfter"/>. Under the torrent's lock.
/// </summary>
internal sealed class BlockBlame(MerkleHashStore store, IBlockVerdicts verdicts, TimeProvider time)
{
    /// <summary>Failed pieces held at once; past this a failed piece is dropped whole.</summary>
    public const int MaxHeld = 32;

    /// <summary>A held piece nobody answered for is failed whole after this.</summary>
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(60);

    private readonly List<FailedPiece> _held = [];

    /// <summary>Failed pieces waiting for their leaf hashes, with the request that asks for them.</summary>
    public IEnumerable<(int Piece, HashRequest Request)> Waiting
    {
        get
        {
            foreach (var failed in _held)
                if (store.BlockHashesRequest(failed.Piece) is { } request) yield return (failed.Piece, request);
        }
    }

    public int HeldCount => _held.Count;

    /// <summary>Holds a failed piece until its bad blocks are known; false when it cannot be narrowed down (fail it whole).</summary>
    public bool TryHold(FailedPiece failed)
    {
        if (_held.Count >= MaxHeld || store.BlockHashesRequest(failed.Piece) is null || _held.Exists(f => f.Piece == failed.Piece)) return false;
        _held.Add(failed);
        return true;
    }

    /// <summary>The answer to a piece's leaf-hash request: proven, then the blocks are judged; hashes that do not prove get their sender banned.</summary>
    public void OnHashes(PeerConnection sender, int piece, in HashRequest answer, ReadOnlySpan<byte> hashes)
    {
        int at = _held.FindIndex(f => f.Piece == piece);
        if (at < 0) return; // settled meanwhile (another peer answered first, or it timed out)
        if (!store.ProveBlockHashes(piece, answer, hashes))
        {
            verdicts.Ban(sender, $"sent leaf hashes of piece {piece} that do not prove against its piece hash");
            return;
        }
        var failed = _held[at];
        _held.RemoveAt(at);
        var bad = new bool[failed.Download.BlockCount];
        if (failed.FindBadBlocks(hashes[..(answer.Length * Shoal.Metainfo.Merkle.HashSize)], bad) == 0) verdicts.OnUnresolved(failed.Download);
        else verdicts.OnBadBlocks(failed.Download, bad);
    }

    /// <summary>Once a second: held pieces nobody answered for in time fail whole.</summary>
    public void OnTick()
    {
        long now = time.GetTimestamp();
        for (int i = _held.Count - 1; i >= 0; i--)
        {
            var failed = _held[i];
            if (time.GetElapsedTime(failed.FailedAt, now) < GiveUpAfter) continue;
            _held.RemoveAt(i);
            verdicts.OnUnresolved(failed.Download);
        }
    }
}
