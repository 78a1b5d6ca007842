using System.Buffers;
using Shoal.Wire;

namespace Shoal.Fuzz.Targets;

/// <summary>
/// The peer wire: <see cref="Handshake.Parse"/>, <see cref="MessageReader.TryRead"/> over a receive buffer split into
/// segments (with the v2 limit, so BEP 52 hash messages of every size are read), <see cref="ExtensionHandshake.Parse"/>
/// for every extension handshake and <see cref="HashRequest.Read(ReadOnlySequence{byte})"/> / <see cref="HashesMessage.Read"/>
/// for every hash message: only <see cref="WireProtocolException"/>. Decoded messages must stay inside the buffer and the limits.
/// Input: byte 0 = segment size (how the receive buffer is fragmented), then the bytes a peer sent (with or without
/// the 68-byte handshake in front).
/// </summary>
internal sealed class WireTarget : FuzzTarget
{
    // A torrent of this many pieces sets the bitfield bound; large enough that the 64 KiB extension bound dominates.
    private const int PieceCount = 4096;

    public override string Name => "wire";

    public override string Description => "Handshake.Parse, MessageReader.TryRead, ExtensionHandshake.Parse: WireProtocolException only";

    public override bool Run(byte[] data)
    {
        // No early return for empty input: SharpFuzz's very first run may see an empty input, and afl-fuzz refuses to
        // start if that run reaches no instrumented code.
        int segmentSize = data.Length > 0 ? Math.Max(1, (int)data[0]) : 1;
        var stream = data.Length > 0 ? data.AsMemory(1) : default;

        try
        {
            // A connection starts with the handshake; the messages follow it.
            Handshake.Parse(stream.Span);
            stream = stream[Handshake.Length..];
        }
        catch (WireProtocolException)
        {
        }

        int maxLength = MessageReader.MaxMessageLength(PieceCount, v2: true);
        var buffer = Segments.Split(stream, segmentSize);
        bool accepted = false;
        try
        {
            while (MessageReader.TryRead(ref buffer, maxLength, out var message))
            {
                if (message.Payload.Length > maxLength) throw new InvariantViolation($"wire: {message} has a payload beyond the limit");
                if (message.Id is MessageId.Piece && message.Payload.Length != message.Length)
                    throw new InvariantViolation($"wire: {message} payload length disagrees with its Length");
                if (message.Id is MessageId.Extended && message.ExtendedId == 0) ParseExtensionHandshake(message.Payload);
                if (message.Id is MessageId.HashRequest or MessageId.HashReject or MessageId.Hashes) ParseHashMessage(message);
                accepted = true;
            }
        }
        catch (WireProtocolException)
        {
        }
        return accepted;
    }

    private static void ParseHashMessage(PeerMessage message)
    {
        var request = HashRequest.Read(message.Payload);
        if (message.Id != MessageId.Hashes) return;
        try
        {
            var read = HashesMessage.Read(message.Payload, new byte[message.Payload.Length], out var hashes);
            if (read != request || hashes.Length != read.AnswerHashCount * 32 || !read.IsWellFormed)
                throw new InvariantViolation($"wire: hashes message accepted with {hashes.Length} bytes for {read}");
        }
        catch (WireProtocolException)
        {
        }
    }

    private static void ParseExtensionHandshake(ReadOnlySequence<byte> payload)
    {
        try
        {
            var handshake = ExtensionHandshake.Parse(payload.ToArray());
            if (handshake.Extensions.Count > ExtensionHandshake.MaxExtensions) throw new InvariantViolation("wire: too many extensions kept");
            if (handshake.RequestQueueDepth > ExtensionHandshake.MaxRequestQueue) throw new InvariantViolation("wire: reqq not bounded");
        }
        catch (WireProtocolException)
        {
        }
    }
}
