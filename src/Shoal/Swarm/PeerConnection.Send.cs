using System.Buffers;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// The send loop: control messages (requests, haves, choke state, extension messages) always go out before queued
/// uploads, so a peer we are uploading to at a capped rate still hears our HAVEs and requests at once.
/// </summary>
internal sealed partial class PeerConnection
{
    private const int SendBufferSize = 256 * 1024;

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

    private async Task SendLoopAsync(CancellationToken ct)
    {
        var reader = _outbox.Reader;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(SendBufferSize);
        try
        {
            while (HasQueuedUploads || await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                int used = 0;
                while (true)
                {
                    // Every control message first; piece entries in the outbox are only doorbells for the upload queue.
                    while (reader.TryPeek(out var message))
                    {
                        if (message.Id != MessageId.Piece && used + message.WireSize > buffer.Length)
                        {
                            if (used == 0) buffer = Grow(buffer, message.WireSize);
                            else break;
                        }
                        reader.TryRead(out _);
                        if (message.Id != MessageId.Piece) used += message.Encode(buffer.AsSpan(used));
                    }
                    if (reader.TryPeek(out _) || used + MessageWriter.PieceHeaderLength + MessageReader.MaxBlockLength > buffer.Length) break;
                    if (!TryDequeueUpload(out var block)) break;
                    var allowance = _session.Engine.UploadLimiter.WaitAsync(block.Length, ct);
                    if (!allowance.IsCompleted && used > 0)
                    {
                        // Don't hold what is ready behind the rate limit.
                        await SendAsync(buffer, used, ct).ConfigureAwait(false);
                        used = 0;
                    }
                    await allowance.ConfigureAwait(false);
                    used += await WriteBlockAsync(block, buffer, used, ct).ConfigureAwait(false);
                }
                if (used > 0) await SendAsync(buffer, used, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask SendAsync(byte[] buffer, int count, CancellationToken ct)
    {
        await _stream.WriteAsync(buffer.AsMemory(0, count), ct).ConfigureAwait(false);
        LastSent = _session.Time.GetTimestamp();
    }

    private static byte[] Grow(byte[] buffer, int size)
    {
        ArrayPool<byte>.Shared.Return(buffer);
        return ArrayPool<byte>.Shared.Rent(size);
    }

    /// <summary>Reads an uploaded block from storage straight into the send buffer (nothing, and a reject, if storage will not vouch for it).</summary>
    private async ValueTask<int> WriteBlockAsync(BlockRequest request, byte[] buffer, int offset, CancellationToken ct)
    {
        int header = MessageWriter.WritePieceHeader(buffer.AsSpan(offset), request.Piece, request.Begin, request.Length);
        try
        {
            await _session.Storage.ReadAsync(request.Piece, request.Begin, buffer.AsMemory(offset + header, request.Length), ct).ConfigureAwait(false);
        }
        catch (PieceUnavailableException)
        {
            Reject(request.Piece, request.Begin, request.Length);
            return 0;
        }
        UploadRate.Add(request.Length);
        _session.AddUploaded(request.Length);
        return header + request.Length;
    }
}
