using System.Buffers;
using Shoal.Wire;

namespace Shoal.Swarm;

internal sealed partial class PeerConnection
{
    private const int SendBufferSize = 256 * 1024;

    // The peer's requests we have queued but not yet served, keyed (piece << 32 | begin).
    private readonly HashSet<long> _theirRequests = [];
    private readonly Lock _theirRequestsSync = new();
    private int _overflowingRequests;

    /// <summary>Bitfield (or have-all / have-none), extension handshake and allowed-fast set: the first messages we send.</summary>
    private void SendGreeting()
    {
        var have = _session.SnapshotHave();
        if (SupportsFast && have.IsComplete) Enqueue(new Outgoing(MessageId.HaveAll));
        else if (SupportsFast && have.IsEmpty) Enqueue(new Outgoing(MessageId.HaveNone));
        else Enqueue(new Outgoing(MessageId.Bitfield, Payload: have.ToWire()));
        if (Reserved.SupportsExtensionProtocol)
            Enqueue(new Outgoing(MessageId.Extended, Index: 0, Payload: _session.BuildExtensionHandshake(this).Encode()));
        if (SupportsFast)
            foreach (int piece in _session.AllowedFastFor(this)) Enqueue(new Outgoing(MessageId.AllowedFast, piece));
    }

    /// <summary>The peer asked for a block: queue it if we will serve it, else reject (fast) or ignore.</summary>
    private void OnRequest(int piece, int begin, int length)
    {
        var info = _session.Info;
        if ((uint)piece >= (uint)info.PieceCount) throw new WireProtocolException($"request for piece {piece} out of range");
        if (length <= 0 || length > MessageReader.MaxBlockLength || begin < 0 || (long)begin + length > info.PieceSize(piece))
            throw new WireProtocolException($"request ({piece},{begin},{length}) outside the piece");
        if (!_session.CanServe(this, piece))
        {
            Reject(piece, begin, length);
            return;
        }
        lock (_theirRequestsSync)
        {
            if (_theirRequests.Count >= _session.Settings.MaxQueuedRequestsFromPeer)
            {
                // A peer that keeps ignoring the reqq we advertised, by as much again, is flooding us.
                if (++_overflowingRequests > _session.Settings.MaxQueuedRequestsFromPeer) throw new WireProtocolException("request flood");
                Reject(piece, begin, length);
                return;
            }
            _overflowingRequests = 0;
            if (!_theirRequests.Add(Key(piece, begin))) return;
        }
        Enqueue(new Outgoing(MessageId.Piece, piece, begin, length));
    }

    private void Reject(int piece, int begin, int length)
    {
        if (SupportsFast) Enqueue(new Outgoing(MessageId.RejectRequest, piece, begin, length));
    }

    private void CancelTheirRequest(int piece, int begin, int length)
    {
        bool removed;
        lock (_theirRequestsSync) removed = _theirRequests.Remove(Key(piece, begin));
        // BEP 6: a cancelled request is answered with the block or a reject.
        if (removed) Reject(piece, begin, length);
    }

    /// <summary>We choked the peer: drop its queued requests (rejecting them under the fast extension), except allowed-fast pieces.</summary>
    internal void DropTheirRequests(Func<int, bool> keep)
    {
        List<long>? dropped = null;
        lock (_theirRequestsSync)
        {
            foreach (long key in _theirRequests)
                if (!keep((int)(key >> 32))) (dropped ??= []).Add(key);
            if (dropped is not null) foreach (long key in dropped) _theirRequests.Remove(key);
        }
        if (dropped is null || !SupportsFast) return;
        foreach (long key in dropped)
        {
            int piece = (int)(key >> 32), begin = (int)key;
            Enqueue(new Outgoing(MessageId.RejectRequest, piece, begin, Math.Min(BlockRequest.BlockSize, _session.Info.PieceSize(piece) - begin)));
        }
    }

    private bool TakeTheirRequest(int piece, int begin)
    {
        lock (_theirRequestsSync) return _theirRequests.Remove(Key(piece, begin));
    }

    private static long Key(int piece, int begin) => ((long)piece << 32) | (uint)begin;

    private async Task SendLoopAsync(CancellationToken ct)
    {
        var reader = _outbox.Reader;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(SendBufferSize);
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                int used = 0;
                while (reader.TryPeek(out var message))
                {
                    int size = message.WireSize;
                    if (used > 0 && used + size > buffer.Length) break;
                    reader.TryRead(out _);
                    if (size > buffer.Length)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = ArrayPool<byte>.Shared.Rent(size);
                    }
                    if (message.Id == MessageId.Piece) used += await WriteBlockAsync(message, buffer, used, ct).ConfigureAwait(false);
                    else used += message.Encode(buffer.AsSpan(used));
                }
                if (used == 0) continue;
                await _stream.WriteAsync(buffer.AsMemory(0, used), ct).ConfigureAwait(false);
                LastSent = _session.Time.GetTimestamp();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads an uploaded block from storage straight into the send buffer; 0 if the request was cancelled meanwhile.</summary>
    private async ValueTask<int> WriteBlockAsync(Outgoing request, byte[] buffer, int offset, CancellationToken ct)
    {
        if (!TakeTheirRequest(request.Index, request.Begin)) return 0;
        await _session.Engine.UploadLimiter.WaitAsync(request.Length, ct).ConfigureAwait(false);
        int header = MessageWriter.WritePieceHeader(buffer.AsSpan(offset), request.Index, request.Begin, request.Length);
        await _session.Storage.ReadAsync(request.Index, request.Begin, buffer.AsMemory(offset + header, request.Length), ct).ConfigureAwait(false);
        UploadRate.Add(request.Length);
        _session.AddUploaded(request.Length);
        return header + request.Length;
    }
}
