using Shoal.Metainfo;
using Shoal.Wire;

namespace Shoal.Swarm;

/// <summary>Performs the 68-byte handshake on a fresh connection, within a deadline.</summary>
internal static class HandshakeExchange
{
    /// <summary>Our 68-byte handshake.</summary>
    public static byte[] Ours(InfoHash infoHash, ReadOnlyMemory<byte> peerId, ReservedBits reserved)
    {
        var buffer = new byte[Handshake.Length];
        new Handshake(infoHash, peerId, reserved).WriteTo(buffer);
        return buffer;
    }

    /// <summary>Outgoing: send ours (unless the upgrade stage <paramref name="alreadySent"/> it, inside MSE), then read and check theirs.</summary>
    public static async Task<Handshake> InitiateAsync(Stream stream, InfoHash infoHash, ReadOnlyMemory<byte> peerId, ReservedBits reserved, CancellationToken ct,
        bool alreadySent = false)
    {
        var buffer = Ours(infoHash, peerId, reserved);
        if (!alreadySent) await stream.WriteAsync(buffer, ct).ConfigureAwait(false);
        await ReadExactlyAsync(stream, buffer, ct).ConfigureAwait(false);
        var theirs = Handshake.Parse(buffer);
        if (theirs.InfoHash != infoHash) throw new WireProtocolException("peer answered with a different info-hash");
        return theirs;
    }

    /// <summary>Incoming, first half: read up to the info-hash so the caller can find the torrent.</summary>
    public static async Task<(InfoHash InfoHash, ReservedBits Reserved)> ReadHeaderAsync(Stream stream, CancellationToken ct)
    {
        var header = new byte[48];
        await ReadExactlyAsync(stream, header, ct).ConfigureAwait(false);
        return Handshake.ParseHeader(header);
    }

    /// <summary>Incoming, second half: send our handshake, then read the peer id.</summary>
    public static async Task<byte[]> RespondAsync(Stream stream, InfoHash infoHash, ReadOnlyMemory<byte> peerId, ReservedBits reserved, CancellationToken ct)
    {
        var buffer = new byte[Handshake.Length];
        new Handshake(infoHash, peerId, reserved).WriteTo(buffer);
        await stream.WriteAsync(buffer, ct).ConfigureAwait(false);
        var theirId = new byte[PeerId.Length];
        await ReadExactlyAsync(stream, theirId, ct).ConfigureAwait(false);
        return theirId;
    }

    private static async Task ReadExactlyAsync(Stream stream, Memory<byte> buffer, CancellationToken ct)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, ct).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            throw new WireProtocolException("connection closed during the handshake");
        }
    }
}
