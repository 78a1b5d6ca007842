using System.Buffers;
using Shoal.Storage;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>
/// The send loop: control messages always go out before queued uploads, so a peer we upload to at a capped rate still
/// hears our HAVEs and requests at once. A write that has not completed for <see cref="EngineSettings.SendTimeout"/>
/// means the peer does not read: the torrent's timeouts close the connection.
/// </summary>
internal sealed partial class PeerConnection
{
    private const int SendBufferSize = 256 * 1024;

    private long _sendingSince;

    /// <summary>When the write in progress began, or 0 when none is.</summary>
    public long SendingSince => Volatile.Read(ref _sendingSince);

    private async Task SendLoopAsync(CancellationToken ct)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(SendBufferSize);
        try
        {
            while (true)
            {
                await _outbox.WaitAsync().ConfigureAwait(false);
                if (_outbox.IsClosed) return;
                int used = 0;
                while (true)
                {
                    while (_outbox.TryDequeue(buffer.Length - used, used == 0, out var message))
                    {
                        if (message.WireSize > buffer.Length) buffer = Grow(buffer, message.WireSize);
                        used += message.Encode(buffer.AsSpan(used));
                    }
                    bool full = !_outbox.IsEmpty || used + MessageWriter.PieceHeaderLength + MessageReader.MaxBlockLength > buffer.Length;
                    if (full)
                    {
                        await SendAsync(buffer, used, ct).ConfigureAwait(false);
                        used = 0;
                        continue;
                    }
                    if (!TryDequeueUpload(out var block)) break;
                    var allowance = _limits.Upload.WaitAsync(block.Length, ct);
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
        Volatile.Write(ref _sendingSince, _limits.Time.GetTimestamp());
        // The buffer is refilled from the start after this, so an encrypted connection may encrypt it in place.
        await _connection.SendAsync(buffer.AsMemory(0, count), ct).ConfigureAwait(false);
        long now = _limits.Time.GetTimestamp();
        Volatile.Write(ref _sendingSince, 0);
        LastSent = now;
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
            await _events.ReadBlockAsync(request, buffer.AsMemory(offset + header, request.Length), ct).ConfigureAwait(false);
        }
        catch (PieceUnavailableException)
        {
            // Storage will not vouch for the piece (it changed on disk): nothing goes out but a reject.
            if (SupportsFast) Send(new Outgoing(MessageId.RejectRequest, request.Piece, request.Begin, request.Length));
            return 0;
        }
        UploadRate.Add(request.Length);
        _events.OnUploaded(this, request.Length);
        return header + request.Length;
    }
}
