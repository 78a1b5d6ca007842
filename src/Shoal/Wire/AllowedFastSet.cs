using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Shoal.Metainfo;

namespace Shoal.Wire;

/// <summary>BEP 6's canonical allowed-fast set: the pieces a peer at a given IPv4 address may fetch while choked.</summary>
public static class AllowedFastSet
{
    public const int DefaultSize = 10;

    public static int[] Compute(IPAddress address, InfoHash infoHash, int pieceCount, int size = DefaultSize)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        // The spec defines the set for IPv4 only.
        if (address.GetAddressBytes() is not { Length: 4 } ip || pieceCount == 0) return [];
        size = Math.Min(size, pieceCount);
        var result = new List<int>(size);
        Span<byte> x = stackalloc byte[24];
        ip.CopyTo(x);
        x[3] = 0; // 0xFFFFFF00 & ip: peers on one /24 share a set.
        infoHash.CopyTo(x[4..]);
        Span<byte> y = stackalloc byte[20];
        SHA1.HashData(x, y);
        while (true)
        {
            for (int i = 0; i < 5 && result.Count < size; i++)
            {
                int index = (int)(BinaryPrimitives.ReadUInt32BigEndian(y[(i * 4)..]) % (uint)pieceCount);
                if (!result.Contains(index)) result.Add(index);
            }
            if (result.Count >= size) return [.. result];
            SHA1.HashData(y, y);
        }
    }
}
