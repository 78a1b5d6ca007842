using System.Buffers;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Swarm.V2;

/// <summary>
/// BEP 52 hash requests for one v2 or hybrid torrent: answers peers' requests for piece-layer hashes from the layers we
/// hold, and, while some file's piece layer is missing (a v2 magnet link), asks peers for it: one 'hash request' of up
/// to 512 piece hashes at a time per peer, each answer proven against the file's root before it is kept. A peer whose
/// hashes do not prove is banned; one that rejects or is silent is asked no more for that range. When every layer is
/// known, they are attached to the info (<see cref="TorrentInfo.UsePieceLayers"/>) so pieces can be verified.
/// A piece that fails its hash is narrowed down to its bad blocks (<see cref="BlockBlame"/>) with a leaf-layer request,
/// and peers' leaf-layer requests are answered from the pieces on disk (<see cref="LeafHashReader"/>).
/// All calls are made under the torrent's lock.
/// </summary>
internal sealed class HashExchange
{
    /// <summary>How long a peer has to answer a hash request before it is asked of another.</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Hash requests outstanding to one peer at once.</summary>
    private const int MaxInFlightPerPeer = 4;

    /// <summary>Requests from one peer answered per second; more are rejected (a hash answer costs us up to ~16 KiB).</summary>
    private const int MaxAnswersPerPeerPerTick = 64;

    private readonly TorrentInfo _info;
    private readonly MerkleHashStore _store;
    private readonly TimeProvider _time;
    private readonly IBlockVerdicts _verdicts;
    private readonly Action _complete;
    private readonly BlockBlame _blame;
    private readonly LeafHashReader _leafReader;
    private readonly List<Pending> _pending = [];
    private readonly Dictionary<PeerConnection, int> _answered = [];
    private readonly HashSet<(PeerConnection, int, int, int)> _refused = [];  // (peer, file root hash code, base, index) not to ask again
    private bool _completed;

    public HashExchange(SwarmContext swarm, TorrentInfo info, IBlockVerdicts verdicts, Action complete)
    {
        _info = info;
        _time = swarm.Time;
        _verdicts = verdicts;
        _complete = complete;
        _store = new MerkleHashStore(info, info.PieceLayers);
        _completed = _store.IsComplete;
        _blame = new BlockBlame(_store, verdicts, _time);
        _leafReader = new LeafHashReader(swarm, _store);
    }

    /// <summary>Failed pieces held until their bad blocks are known.</summary>
    public int HeldFailedPieces => _blame.HeldCount;

    /// <summary>
    /// A piece failed its hash: it is held while a peer is asked for its leaf hashes, so only its bad blocks are blamed
    /// and fetched again. False when it cannot be narrowed down (the caller fails it whole).
    /// </summary>
    public bool TryHoldFailed(FailedPiece failed, IReadOnlyList<PeerConnection> peers)
    {
        // Nobody connected has the piece to tell its leaf hashes (web seeds only): no use waiting.
        bool anyoneCanAnswer = false;
        foreach (var peer in peers) anyoneCanAnswer |= !peer.IsClosed && peer.Availability.Bits?[failed.Piece] == true;
        if (!anyoneCanAnswer || !_blame.TryHold(failed)) return false;
        Fill(peers);
        return true;
    }

    /// <summary>True while some file's piece layer is still being fetched.</summary>
    public bool IsFetching => !_completed;

    /// <summary>Sends the hash requests that are due to the peers that can answer them (and re-sends late ones elsewhere).</summary>
    public void Fill(IReadOnlyList<PeerConnection> peers)
    {
        if (_completed && _blame.HeldCount == 0) return;
        long now = _time.GetTimestamp();
        _pending.RemoveAll(p => p.Peer.IsClosed || _time.GetElapsedTime(p.SentAt, now) > AnswerTimeout && Refuse(p));
        foreach (var (piece, request) in _blame.Waiting) Ask(peers, request, piece, now);
        if (_completed) return;
        foreach (var request in _store.MissingPieceLayerRequests()) Ask(peers, request, -1, now);
    }

    /// <summary>Sends the request to a peer that can answer it, unless it is already out.</summary>
    private void Ask(IReadOnlyList<PeerConnection> peers, in HashRequest request, int piece, long now)
    {
        foreach (var p in _pending) if (p.Request == request) return;
        var peer = PickPeer(peers, request, piece);
        if (peer is null) return;
        _pending.Add(new Pending(peer, request, now, piece));
        peer.Send(new Outgoing(MessageId.HashRequest, Payload: Encode(MessageId.HashRequest, request)));
    }

    /// <summary>A peer's 'hashes': kept when it answers a request we sent it and proves; a peer whose hashes do not prove is banned.</summary>
    public void OnHashes(PeerConnection peer, in HashRequest answer, ReadOnlySpan<byte> hashes)
    {
        int at = IndexOf(peer, answer);
        if (at < 0) return; // unasked (or too late): ignored, as libtorrent does
        int piece = _pending[at].Piece;
        _pending.RemoveAt(at);
        if (piece >= 0)
        {
            _blame.OnHashes(peer, piece, answer, hashes);
            return;
        }
        if (!_store.AddPieceLayerHashes(answer, hashes))
        {
            _verdicts.Ban(peer, "sent piece-layer hashes that do not prove against the file's root");
            return;
        }
        if (_store.IsComplete && !_completed)
        {
            _completed = true;
            _info.UsePieceLayers(_store.ToPieceLayers());
            _complete();
        }
    }

    /// <summary>A peer will not answer a request: it is not asked that again.</summary>
    public void OnHashReject(PeerConnection peer, in HashRequest request)
    {
        int at = IndexOf(peer, request);
        if (at >= 0 && Refuse(_pending[at])) _pending.RemoveAt(at);
    }

    /// <summary>
    /// A peer asks us for hashes: answered from the layers we hold when it is at or above the piece layer; below it (leaf
    /// hashes) from the pieces on disk, if we have them all and the peer is within its budget; rejected otherwise.
    /// </summary>
    public void OnHashRequest(PeerConnection peer, in HashRequest request)
    {
        int answered = _answered.GetValueOrDefault(peer);
        if (answered < MaxAnswersPerPeerPerTick && request.IsWellFormed && _store.TryGetLeafWindow(request, out int first, out int pieces)
            && (pieces > 0 || request.Length <= MerkleHashStore.PieceHashesPerRequest))
        {
            // Leaf hashes: the pieces are read and hashed off the lock, then answered through SendAnswer.
            bool started = pieces > 0 ? _leafReader.TryStart(peer, request, first, pieces, SendAnswer) : SendAnswer(peer, request, []);
            if (started)
            {
                _answered[peer] = answered + 1;
                return;
            }
        }
        Reject(peer, request);
    }

    /// <summary>Sends the 'hashes' answer to <paramref name="request"/>; false (nothing sent) when the store cannot answer it.</summary>
    private bool SendAnswer(PeerConnection peer, HashRequest request, ReadOnlySpan<byte> windowLeaves)
    {
        int size = request.AnswerHashCount * Merkle.HashSize;
        var hashes = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            if (_store.Answer(request, windowLeaves, hashes.AsSpan(0, size)) != size) return false;
            var message = new byte[5 + HashRequest.EncodedLength + size];
            MessageWriter.WriteHashes(message, request, hashes.AsSpan(0, size));
            peer.Send(new Outgoing(MessageId.Hashes, Payload: message));
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(hashes);
        }
    }

    public static void Reject(PeerConnection peer, in HashRequest request) =>
        peer.Send(new Outgoing(MessageId.HashReject, Payload: Encode(MessageId.HashReject, request)));

    /// <summary>Once a second: the per-peer answer budget refills, late requests go to other peers, and held pieces nobody answered for fail whole.</summary>
    public void OnTick(IReadOnlyList<PeerConnection> peers)
    {
        _answered.Clear();
        _blame.OnTick();
        Fill(peers);
    }

    /// <summary>
    /// A peer that can answer, not refused, not busy: for a piece's leaf hashes one that has the piece (and would serve
    /// it); for piece-layer hashes any peer with all of them, or any piece of the file.
    /// </summary>
    private PeerConnection? PickPeer(IReadOnlyList<PeerConnection> peers, in HashRequest request, int piece)
    {
        var key = Key(request);
        PeerConnection? best = null;
        foreach (var peer in peers)
        {
            if (peer.IsClosed || _refused.Contains((peer, key.Root, request.BaseLayer, key.Index))) continue;
            int busy = 0;
            foreach (var p in _pending) if (p.Peer == peer) busy++;
            if (busy >= MaxInFlightPerPeer) continue;
            if (piece >= 0)
            {
                if (peer.Availability.Bits?[piece] == true) return peer;
                continue;
            }
            if (peer.IsSeed) return peer;
            best ??= peer.Availability.Bits is { SetCount: > 0 } ? peer : null;
        }
        return best;
    }

    /// <summary>Marks the pending request's peer as not to be asked it again; true (so the caller drops it).</summary>
    private bool Refuse(Pending pending)
    {
        var key = Key(pending.Request);
        _refused.Add((pending.Peer, key.Root, pending.Request.BaseLayer, key.Index));
        return true;
    }

    private int IndexOf(PeerConnection peer, in HashRequest request)
    {
        for (int i = 0; i < _pending.Count; i++)
            if (_pending[i].Peer == peer && _pending[i].Request == request) return i;
        return -1;
    }

    private static (int Root, int Index) Key(in HashRequest request) => (BitConverter.ToInt32(request.PiecesRoot), request.Index);

    private static byte[] Encode(MessageId id, in HashRequest request)
    {
        var message = new byte[5 + HashRequest.EncodedLength];
        MessageWriter.WriteHashRequest(message, id, request);
        return message;
    }

    /// <summary>A request out to a peer: <paramref name="Piece"/> is the failed piece whose leaf hashes it asks for, or -1 (piece-layer hashes).</summary>
    private readonly record struct Pending(PeerConnection Peer, HashRequest Request, long SentAt, int Piece);
}
