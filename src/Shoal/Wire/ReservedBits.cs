using System.Buffers.Binary;

namespace Shoal.Wire;

/// <summary>The handshake's 8 reserved bytes, read as a big-endian 64-bit feature mask.</summary>
public readonly record struct ReservedBits(ulong Value)
{
    // reserved[5] & 0x10 (BEP 10), reserved[7] & 0x04 (BEP 6), reserved[7] & 0x01 (BEP 5).
    private const ulong ExtensionProtocolBit = 0x10UL << 16;
    private const ulong FastExtensionBit = 0x04;
    private const ulong DhtBit = 0x01;

    /// <summary>What Shoal advertises: the extension protocol and the fast extension.</summary>
    public static ReservedBits Shoal => new(ExtensionProtocolBit | FastExtensionBit);

    public bool SupportsExtensionProtocol => (Value & ExtensionProtocolBit) != 0;

    public bool SupportsFastExtension => (Value & FastExtensionBit) != 0;

    public bool SupportsDht => (Value & DhtBit) != 0;

    /// <summary>These bits with the DHT bit set (BEP 5: we run a DHT node and answer port messages).</summary>
    public ReservedBits WithDht() => new(Value | DhtBit);

    public static ReservedBits Read(ReadOnlySpan<byte> bytes) => new(BinaryPrimitives.ReadUInt64BigEndian(bytes));

    public void WriteTo(Span<byte> bytes) => BinaryPrimitives.WriteUInt64BigEndian(bytes, Value);
}
