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
    private readonly Action<PeerConnection, string> _ban;
    private readonly Action _complete;
    private readonly List<Pending> _pending = [];
    private readonly Dictionary<PeerConnection, int> _answered = [];
    private readonly HashSet<(PeerConnection, int, int)> _refused = [];  // (peer, file root hash code, index) not to ask again
    private bool _completed;

    public HashExchange(TorrentInfo info, TimeProvider time, Action<PeerConnection, string> ban, Action complete)
    {
        _info = info;
        _time = time;
        _ban = ban;
        _complete = complete;
        _store = new MerkleHashStore(info, info.PieceLayers);
        _completed = _store.IsComplete;
    }

    /// <summary>True while some file's piece layer is still being fetched.</summary>
    public bool IsFetching => !_completed;

    /// <summary>Sends the hash requests that are due to the peers that can answer them (and re-sends late ones elsewhere).</summary>
    public void Fill(IReadOnlyList<PeerConnection> peers)
    {
        if (_completed) return;
        long now = _time.GetTimestamp();
        _pending.RemoveAll(p => p.Peer.IsClosed || _time.GetElapsedTime(p.SentAt, now) > AnswerTimeout && Refuse(p));
        foreach (var request in _store.MissingPieceLayerRequests())
        {
            if (_pending.Exists(p => p.Request == request)) continue;
            var peer = PickPeer(peers, request);
            if (peer is null) continue;
            _pending.Add(new Pending(peer, request, now));
            peer.Send(new Outgoing(MessageId.HashRequest, Payload: Encode(MessageId.HashRequest, request)));
        }
    }

    /// <summary>A peer's 'hashes': kept when it answers a request we sent it and proves; a peer whose hashes do not prove is banned.</summary>
    public void OnHashes(PeerConnection peer, in HashRequest answer, ReadOnlySpan<byte> hashes)
    {
        int at = IndexOf(peer, answer);
        if (at < 0) return; // unasked (or too late): ignored, as libtorrent does
        _pending.RemoveAt(at);
        if (!_store.AddPieceLayerHashes(answer, hashes))
        {
            _ban(peer, "sent piece-layer hashes that do not prove against the file's root");
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
    /// A peer asks us for hashes: answered from the layers we hold when it is at or above the piece layer (or a file of
    /// one piece), rejected otherwise (leaf hashes would need the data read, which we do not do for peers yet).
    /// </summary>
    public void OnHashRequest(PeerConnection peer, in HashRequest request)
    {
        int answered = _answered.GetValueOrDefault(peer);
        if (answered < MaxAnswersPerPeerPerTick && request.IsWellFormed && request.Length <= MerkleHashStore.PieceHashesPerRequest
            && _store.TryGetLeafWindow(request, out _, out int pieces) && pieces == 0)
        {
            int size = request.AnswerHashCount * Merkle.HashSize;
            var hashes = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                if (_store.Answer(request, [], hashes.AsSpan(0, size)) == size)
                {
                    _answered[peer] = answered + 1;
                    var message = new byte[5 + HashRequest.EncodedLength + size];
                    MessageWriter.WriteHashes(message, request, hashes.AsSpan(0, size));
                    peer.Send(new Outgoing(MessageId.Hashes, Payload: message));
                    return;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(hashes);
            }
        }
        peer.Send(new Outgoing(MessageId.HashReject, Payload: Encode(MessageId.HashReject, request)));
    }

    /// <summary>Once a second: the per-peer answer budget refills, and late requests go to other peers.</summary>
    public void OnTick(IReadOnlyList<PeerConnection> peers)
    {
        _answered.Clear();
        Fill(peers);
    }

    /// <summary>A peer that has the pieces the request covers (any peer with all of them, or any piece of the file), not refused, not busy.</summary>
    private PeerConnection? PickPeer(IReadOnlyList<PeerConnection> peers, in HashRequest request)
    {
        var key = Key(request);
        PeerConnection? best = null;
        foreach (var peer in peers)
        {
            if (peer.IsClosed || _refused.Contains((peer, key.Root, key.Index))) continue;
            int busy = 0;
            foreach (var p in _pending) if (p.Peer == peer) busy++;
            if (busy >= MaxInFlightPerPeer) continue;
            if (peer.IsSeed) return peer;
            best ??= peer.Availability.Bits is { SetCount: > 0 } ? peer : null;
        }
        return best;
    }

    /// <summary>Marks the pending request's peer as not to be asked it again; true (so the caller drops it).</summary>
    private bool Refuse(Pending pending)
    {
        var key = Key(pending.Request);
        _refused.Add((pending.Peer, key.Root, key.Index));
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

    private readonly record struct Pending(PeerConnection Peer, HashRequest Request, long SentAt);
}
