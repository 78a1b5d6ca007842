using System.Buffers;

namespace Shoal.Transport.Utp;

/// <summary>
/// Packet buffers for every uTP connection: what is sent and not yet acknowledged, and what was received and not yet
/// read. Not ArrayPool.Shared: it keeps a few dozen arrays per size and core, while a window of packets is hundreds,
/// so most rents allocated (about one byte of garbage per byte received, measured with dotnet-counters). At most 4,096
/// buffers per size are kept; more in use at once are allocated and left to the collector.
/// </summary>
internal static class PacketBuffers
{
    private static readonly ArrayPool<byte> Pool = ArrayPool<byte>.Create(maxArrayLength: 2048, maxArraysPerBucket: 4096);

    public static byte[] Rent(int size) => Pool.Rent(size);

    public static void Return(byte[] buffer) => Pool.Return(buffer);
}
