using Shoal.Wire;

namespace Shoal.Swarm;

internal sealed partial class PeerConnection
{
    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(ct).ConfigureAwait(false);
            var buffer = result.Buffer;
            int maxLength = _events.MaxMessageLength;
            long blockBytes = 0;
            // Stamped when the bytes arrive, before they are handled (handling may make us send, and timeouts compare the two).
            if (!buffer.IsEmpty) LastReceived = _limits.Time.GetTimestamp();
            while (MessageReader.TryRead(ref buffer, maxLength, out var message))
            {
                if (message.Id == MessageId.KeepAlive) continue;
                if (message.Id == MessageId.Piece)
                {
                    LastBlockReceived = _limits.Time.GetTimestamp();
                    DownloadRate.Add(message.Length);
                    blockBytes += message.Length;
                }
                _events.OnMessage(this, in message);
            }
            _reader.AdvanceTo(buffer.Start, result.Buffer.End);
            // Refill requests once per batch of received blocks rather than once per block: fewer, larger writes.
            _events.OnBatchReceived(this, blockBytes);
            if (result.IsCompleted || result.IsCanceled) return;
            // The download limit works by not reading from the socket: the transport then slows the sender for us.
            if (blockBytes > 0) await _limits.Download.WaitAsync((int)blockBytes, ct).ConfigureAwait(false);
        }
    }
}
