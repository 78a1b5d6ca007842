namespace Shoal.Transport;

/// <summary>Tells a plaintext BitTorrent handshake from anything else (an MSE/PE key exchange) by its first 20 bytes.</summary>
public static class HandshakeSniffer
{
    /// <summary>Bytes read before deciding: pstrlen and "BitTorrent protocol".</summary>
    public const int Length = 20;

    private static ReadOnlySpan<byte> Protocol => "\u0013BitTorrent protocol"u8;

    public static bool IsPlaintextHandshake(ReadOnlySpan<byte> first) => first.Length >= Length && first[..Length].SequenceEqual(Protocol);

    /// <summary>Reads the first <see cref="Length"/> bytes; null if the peer closed before sending them.</summary>
    public static async ValueTask<byte[]?> ReadFirstBytesAsync(Stream stream, CancellationToken ct)
    {
        var first = new byte[Length];
        try
        {
            await stream.ReadExactlyAsync(first, ct).ConfigureAwait(false);
            return first;
        }
        catch (EndOfStreamException)
        {
            return null;
        }
    }
}
