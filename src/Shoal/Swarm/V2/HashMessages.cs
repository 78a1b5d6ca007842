using System.Buffers;
using Shoal.Wire;

namespace Shoal.Swarm.V2;

/// <summary>Routes BEP 52's hash request (21), hashes (22) and hash reject (23) to the torrent's <see cref="HashExchange"/>.</summary>
internal static class HashMessages
{
    public static bool Handles(MessageId id) => id is MessageId.HashRequest or MessageId.Hashes or MessageId.HashReject;

    /// <summary>Handles one message under the torrent's lock. A torrent without v2 hashes rejects requests and ignores answers.</summary>
    public static void Dispatch(SwarmContext swarm, PeerConnection peer, in PeerMessage message)
    {
        if (message.Id == MessageId.Hashes)
        {
            byte[]? scratch = message.Payload.IsSingleSegment ? null : ArrayPool<byte>.Shared.Rent(HashesMessage.MaxPayloadLength);
            try
            {
                var answer = HashesMessage.Read(message.Payload, scratch, out var hashes);
                lock (swarm.Sync) swarm.Hashes?.OnHashes(peer, answer, hashes);
            }
            finally
            {
                if (scratch is not null) ArrayPool<byte>.Shared.Return(scratch);
            }
            return;
        }
        var request = HashRequest.Read(message.Payload);
        lock (swarm.Sync)
        {
            if (message.Id == MessageId.HashReject) swarm.Hashes?.OnHashReject(peer, request);
            else if (swarm.Hashes is { } hashes) hashes.OnHashRequest(peer, request);
            else HashExchange.Reject(peer, request);
        }
    }
}
