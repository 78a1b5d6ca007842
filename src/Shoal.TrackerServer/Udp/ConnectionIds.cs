using System.Buffers.Binary;
using System.Security.Cryptography;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Udp;

/// <summary>
/// BEP 15 connection ids without state: SipHash(random key, client address + port + minute window). An id is accepted in
/// its own window and the next, i.e. for one to two minutes, as BEP 15 asks; a flood of connects costs no memory.
/// </summary>
internal sealed class ConnectionIds
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ulong _k0;
    private readonly ulong _k1;
    private readonly TimeProvider _time;
    private readonly long _start;

    public ConnectionIds(TimeProvider time)
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        _k0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
        _k1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
        _time = time;
        _start = time.GetTimestamp();
    }

    private long CurrentWindow => _time.GetElapsedTime(_start).Ticks / Window.Ticks;

    public ulong Issue(in PeerEndpoint client) => Compute(in client, CurrentWindow);

    public bool IsValid(ulong connectionId, in PeerEndpoint client)
    {
        long window = CurrentWindow;
        return connectionId == Compute(in client, window) || connectionId == Compute(in client, window - 1);
    }

    private ulong Compute(in PeerEndpoint client, long window)
    {
        Span<byte> input = stackalloc byte[PeerEndpoint.CompactV6Length + 8];
        var compact = client.Compact;
        compact.CopyTo(input);
        BinaryPrimitives.WriteInt64LittleEndian(input[compact.Length..], window);
        return SipHash.Compute(_k0, _k1, input[..(compact.Length + 8)]);
    }
}
