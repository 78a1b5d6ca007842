using System.Buffers.Binary;
using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.EndToEnd.Tests.Transport;

/// <summary>
/// Just enough of the BitTorrent wire protocol to check a transport against a reference client without the engine:
/// fetch the bitfield and one block from a seeder, or seed a small torrent to a leecher, over any Stream (TCP, MSE,
/// uTP). No extensions are advertised, so the reference peer sends only the core messages.
/// </summary>
internal static class MiniPeer
{
    private const int MaxMessage = 1 << 20;
    private const byte Choke = 0, Unchoke = 1, Interested = 2, Bitfield = 5, Request = 6, Piece = 7;

    public static byte[] Handshake(InfoHash infoHash)
    {
        var bytes = new byte[Wire.Handshake.Length];
        new Handshake(infoHash, PeerId.Generate(), new ReservedBits(0)).WriteTo(bytes);
        return bytes;
    }

    public static async Task<Handshake> ReadHandshakeAsync(Stream stream, CancellationToken cancellationToken)
    {
        var bytes = new byte[Wire.Handshake.Length];
        await stream.ReadExactlyAsync(bytes, cancellationToken);
        return Wire.Handshake.Parse(bytes);
    }

    /// <summary>The next message (keep-alives skipped): its id and payload.</summary>
    public static async Task<(byte Id, byte[] Payload)> ReadMessageAsync(Stream stream, CancellationToken cancellationToken)
    {
        var prefix = new byte[4];
        while (true)
        {
            await stream.ReadExactlyAsync(prefix, cancellationToken);
            int length = BinaryPrimitives.ReadInt32BigEndian(prefix);
            if (length == 0) continue;
            if (length is < 0 or > MaxMessage) throw new InvalidDataException($"message of {length} bytes");
            var body = new byte[length];
            await stream.ReadExactlyAsync(body, cancellationToken);
            return (body[0], body[1..]);
        }
    }

    public static async Task WriteMessageAsync(Stream stream, byte id, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var message = new byte[5 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(message, 1 + payload.Length);
        message[4] = id;
        payload.CopyTo(message.AsMemory(5));
        await stream.WriteAsync(message, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// As a leecher after the handshakes: waits for the seeder's bitfield, says interested, waits to be unchoked,
    /// requests the first <paramref name="blockLength"/> bytes of piece 0 and returns the bitfield and the block.
    /// </summary>
    public static async Task<(byte[] Bitfield, byte[] Block)> FetchFirstBlockAsync(Stream stream, int blockLength, CancellationToken cancellationToken)
    {
        byte[]? bitfield = null;
        while (bitfield is null)
        {
            var (id, payload) = await ReadMessageAsync(stream, cancellationToken);
            if (id == Bitfield) bitfield = payload;
        }
        await WriteMessageAsync(stream, Interested, default, cancellationToken);
        while ((await ReadMessageAsync(stream, cancellationToken)).Id != Unchoke) { }
        var request = new byte[12];
        BinaryPrimitives.WriteInt32BigEndian(request.AsSpan(8), blockLength);
        await WriteMessageAsync(stream, Request, request, cancellationToken);
        while (true)
        {
            var (id, payload) = await ReadMessageAsync(stream, cancellationToken);
            if (id == Piece && payload.Length == 8 + blockLength) return (bitfield, payload[8..]);
            if (id == Choke) throw new InvalidDataException("choked while waiting for the block");
        }
    }

    /// <summary>
    /// As a seeder of <paramref name="data"/> after the handshakes: sends a full bitfield, unchokes whoever is
    /// interested and answers every request, until the peer closes the connection. Returns the bytes served.
    /// </summary>
    public static async Task<long> ServeAsync(Stream stream, byte[] data, int pieceLength, CancellationToken cancellationToken)
    {
        int pieces = (data.Length + pieceLength - 1) / pieceLength;
        var bitfield = new byte[(pieces + 7) / 8];
        for (int i = 0; i < pieces; i++) bitfield[i / 8] |= (byte)(0x80 >> (i % 8));
        await WriteMessageAsync(stream, Bitfield, bitfield, cancellationToken);
        long served = 0;
        while (true)
        {
            byte id;
            byte[] payload;
            try
            {
                (id, payload) = await ReadMessageAsync(stream, cancellationToken);
            }
            catch (Exception e) when (e is EndOfStreamException or IOException)
            {
                return served; // the leecher is done and closed
            }
            if (id == Interested) await WriteMessageAsync(stream, Unchoke, default, cancellationToken);
            else if (id == Request && payload.Length == 12)
            {
                int index = BinaryPrimitives.ReadInt32BigEndian(payload);
                int begin = BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(4));
                int length = BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(8));
                long offset = (long)index * pieceLength + begin;
                if (length is <= 0 or > 128 * 1024 || offset + length > data.Length) throw new InvalidDataException("bad request");
                var piece = new byte[8 + length];
                payload.AsSpan(0, 8).CopyTo(piece);
                data.AsSpan((int)offset, length).CopyTo(piece.AsSpan(8));
                await WriteMessageAsync(stream, Piece, piece, cancellationToken);
                served += length;
            }
            // not interested, have, cancel and the rest need no answer
        }
    }
}
