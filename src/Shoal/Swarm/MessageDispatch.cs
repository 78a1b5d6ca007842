using System.Buffers;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// The torrent's side of every connection (<see cref="IPeerEvents"/>): checks each message against the torrent (piece
/// indices, the fast extension), then hands it to the collaborator whose job it is: availability and blocks to the
/// <see cref="RequestScheduler"/>, interest and requests to <see cref="Choking"/>, extended messages to the extensions,
/// DHT port messages to the engine. Takes the torrent's lock for the state changes, and copies a block into its piece
/// buffer after releasing it.
/// </summary>
internal sealed class MessageDispatch(SwarmContext swarm, RequestScheduler scheduler, Choking choking, ExtensionRegistry extensions,
    Func<PieceVerifier?> verifier) : IPeerEvents
{
    /// <summary>Before the metadata: large enough for the bitfield of the largest torrent whose metadata we accept.</summary>
    private static readonly int MaxBeforeMetadata = MessageReader.MaxMessageLength(PeerAvailability.MaxPieces);

    private int _maxMessageLength = MaxBeforeMetadata;

    public int MaxMessageLength => Volatile.Read(ref _maxMessageLength);

    /// <summary>The piece count is known: messages are bounded by this torrent's own bitfield from now on.</summary>
    public void SetPieceCount(int pieceCount, bool v2 = false) => Volatile.Write(ref _maxMessageLength, MessageReader.MaxMessageLength(pieceCount, v2));

    public void OnMessage(PeerConnection peer, in PeerMessage message)
    {
        if (message.Id is MessageId.Have or MessageId.Bitfield or MessageId.HaveAll or MessageId.HaveNone) peer.Availability.CheckOrder(message.Id);
        switch (message.Id)
        {
            case MessageId.Choke:
                lock (swarm.Sync) scheduler.OnChoked(peer);
                break;
            case MessageId.Unchoke:
                lock (swarm.Sync) scheduler.OnUnchoked(peer);
                break;
            case MessageId.Interested:
            case MessageId.NotInterested:
                lock (swarm.Sync) choking.OnInterest(peer, message.Id == MessageId.Interested);
                break;
            case MessageId.Have:
                CheckPieceIndex(message.Index);
                lock (swarm.Sync) scheduler.OnHave(peer, message.Index);
                break;
            case MessageId.Bitfield:
                OnBitfield(peer, message.Payload);
                break;
            case MessageId.HaveAll:
            case MessageId.HaveNone:
                RequireFast(peer, message.Id);
                OnAllOrNone(peer, message.Id == MessageId.HaveAll);
                break;
            case MessageId.Request:
                OnRequest(peer, message.Index, message.Begin, message.Length);
                break;
            case MessageId.Cancel:
                // BEP 6: a cancelled request is answered with the block or a reject.
                if (peer.CancelTheirRequest(message.Index, message.Begin)) Reject(peer, message.Index, message.Begin, message.Length);
                break;
            case MessageId.Piece:
                OnBlock(peer, message.Index, message.Begin, message.Payload);
                break;
            case MessageId.RejectRequest:
                RequireFast(peer, message.Id);
                lock (swarm.Sync) scheduler.OnReject(peer, message.Index, message.Begin);
                break;
            case MessageId.AllowedFast:
                RequireFast(peer, message.Id);
                CheckPieceIndex(message.Index);
                lock (swarm.Sync) peer.AllowFast(message.Index);
                break;
            case MessageId.SuggestPiece:
                RequireFast(peer, message.Id);
                CheckPieceIndex(message.Index);
                lock (swarm.Sync) scheduler.OnSuggest(peer, message.Index);
                break;
            case MessageId.Port:
                if (message.Index > 0) swarm.Engine.OnDhtPort(peer.RemoteEndPoint.Address, message.Index);
                break;
            case MessageId.Extended:
                OnExtended(peer, message.ExtendedId, message.Payload);
                break;
            case var id when V2.HashMessages.Handles(id):
                V2.HashMessages.Dispatch(swarm, peer, message);
                break;
            default:
                throw new WireProtocolException($"unexpected message {message.Id}");
        }
    }

    public void OnBatchReceived(PeerConnection peer, long blockBytes)
    {
        if (blockBytes > 0) lock (swarm.Sync) scheduler.Fill(peer);
    }

    public ValueTask ReadBlockAsync(BlockRequest block, Memory<byte> destination, CancellationToken ct) =>
        swarm.Storage!.ReadAsync(block.Piece, block.Begin, destination, ct);

    public void OnUploaded(PeerConnection peer, int bytes) => Interlocked.Add(ref swarm.Uploaded, bytes);

    /// <summary>Accepted blocks are copied into their piece buffer outside the lock; the copy that completes a piece queues it for hashing.</summary>
    private void OnBlock(PeerConnection peer, int piece, int begin, ReadOnlySequence<byte> data)
    {
        PieceDownload? download;
        lock (swarm.Sync) download = scheduler.Claim(peer, piece, begin, (int)data.Length);
        if (download is null)
        {
            Interlocked.Add(ref swarm.Wasted, data.Length);
            return;
        }
        data.CopyTo(download.Buffer.AsSpan(begin));
        Interlocked.Add(ref swarm.Downloaded, data.Length);
        if (download.CompleteBlock()) verifier()!.Enqueue(download);
    }

    private void OnRequest(PeerConnection peer, int piece, int begin, int length)
    {
        var info = swarm.Info;
        if (info is not null)
        {
            if ((uint)piece >= (uint)info.PieceCount) throw new WireProtocolException($"request for piece {piece} out of range");
            if (length <= 0 || length > MessageReader.MaxBlockLength || begin < 0 || (long)begin + length > info.PieceSize(piece))
                throw new WireProtocolException($"request ({piece},{begin},{length}) outside the piece");
        }
        UploadDecision decision;
        int suggestion;
        lock (swarm.Sync) decision = choking.Decide(peer, piece, out suggestion);
        if (decision == UploadDecision.Serve && peer.QueueUpload(new BlockRequest(piece, begin, length))) return;
        peer.CountRefusedRequest();
        Reject(peer, piece, begin, length);
        if (suggestion >= 0) peer.Send(new Outgoing(MessageId.SuggestPiece, suggestion));
    }

    private static void Reject(PeerConnection peer, int piece, int begin, int length)
    {
        if (peer.SupportsFast) peer.Send(new Outgoing(MessageId.RejectRequest, piece, begin, length));
    }

    // BEP 3 wants the bitfield first, but aria2 sends have-none and later full bitfields instead of haves:
    // each late bitfield replaces what we knew (PeerAvailability.CheckOrder allows them only after a have-none).
    private void OnBitfield(PeerConnection peer, ReadOnlySequence<byte> payload)
    {
        var info = swarm.Info;
        Span<byte> bytes = payload.Length <= 4096 ? stackalloc byte[(int)payload.Length] : new byte[payload.Length];
        payload.CopyTo(bytes);
        if (info is null)
        {
            lock (swarm.Sync) peer.Availability.ReplacePending(bytes);
            return;
        }
        if (!Bitfield.TryFromWire(bytes, info.PieceCount, out var bitfield))
            throw new WireProtocolException($"bitfield of {payload.Length} bytes does not fit {info.PieceCount} pieces");
        lock (swarm.Sync) scheduler.OnAvailability(peer, bitfield!);
    }

    private void OnAllOrNone(PeerConnection peer, bool all)
    {
        var info = swarm.Info;
        if (info is null)
        {
            lock (swarm.Sync) peer.Availability.ReplacePendingAll(all);
            return;
        }
        var bitfield = new Bitfield(info.PieceCount);
        if (all) bitfield.SetAll();
        lock (swarm.Sync) scheduler.OnAvailability(peer, bitfield);
    }

    private void OnExtended(PeerConnection peer, byte id, ReadOnlySequence<byte> payload)
    {
        if (id != 0)
        {
            extensions.Dispatch(peer, id, payload);
            return;
        }
        var handshake = ExtensionHandshake.Parse(payload.ToArray());
        lock (swarm.Sync)
        {
            peer.SetRemoteExtensions(handshake);
            // An incoming peer's listen address counts as connected: no point dialling it while it is.
            if (peer.IsIncoming && peer.ListenEndPoint is { } listen) swarm.Book.GetOrAdd(listen, PeerSource.Incoming).Connected = true;
        }
        extensions.OnHandshake(peer);
    }

    private static void RequireFast(PeerConnection peer, MessageId id)
    {
        if (!peer.SupportsFast) throw new WireProtocolException($"{id} without the fast extension");
    }

    private void CheckPieceIndex(int index)
    {
        int count = swarm.Info?.PieceCount ?? PeerAvailability.MaxPieces;
        if ((uint)index >= (uint)count) throw new WireProtocolException($"piece index {index} out of range");
    }
}
