using Shoal.Metainfo;

namespace Shoal.Wire;

/// <summary>
/// The 68-byte BitTorrent handshake: pstrlen, "BitTorrent protocol", 8 reserved bytes (feature bits),
/// the info-hash and the sender's peer id.
/// </summary>
public readonly record struct Handshake(InfoHash InfoHash, ReadOnlyMemory<byte> PeerId, ReservedBits Reserved)
{
    public const int Length = 68;

    private static ReadOnlySpan<byte> Protocol => "\u0013BitTorrent protocol"u8;

    public void WriteTo(Span<byte> destination)
    {
        Protocol.CopyTo(destination);
        Reserved.WriteTo(destination.Slice(20, 8));
        InfoHash.CopyTo(destination.Slice(28, 20));
        PeerId.Span.CopyTo(destination.Slice(48, 20));
    }

    /// <summary>Parses the first 68 bytes; throws <see cref="WireProtocolException"/> if they are not a BitTorrent handshake.</summary>
    public static Handshake Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < Length) throw new WireProtocolException("handshake too short");
        if (!data[..20].SequenceEqual(Protocol)) throw new WireProtocolException("not a BitTorrent handshake");
        return new Handshake(new InfoHash(data.Slice(28, 20)), data.Slice(48, 20).ToArray(), ReservedBits.Read(data.Slice(20, 8)));
    }

    /// <summary>Parses only the part before the peer id (an incoming connection must pick its torrent before answering).</summary>
    public static (InfoHash InfoHash, ReservedBits Reserved) ParseHeader(ReadOnlySpan<byte> data)
    {
        if (data.Length < 48) throw new WireProtocolException("handshake too short");
        if (!data[..20].SequenceEqual(Protocol)) throw new WireProtocolException("not a BitTorrent handshake");
        return (new InfoHash(data.Slice(28, 20)), ReservedBits.Read(data.Slice(20, 8)));
    }
}
