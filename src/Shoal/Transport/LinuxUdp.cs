using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Shoal.Transport;

/// <summary>
/// Linux's batched UDP system calls: recvmmsg takes every waiting datagram (up to a batch) in one call, sendmmsg sends
/// a batch in one call (with UDP_SEGMENT where the kernel cuts runs of equal datagrams itself), sendto with MSG_DONTWAIT sends one without ever blocking. Plus the sockaddr layouts they use:
/// sockaddr_in (family, port big-endian, 4-byte address) and sockaddr_in6 (family, port, flow info, 16-byte address,
/// scope id). Used only where <see cref="IsSupported"/>; elsewhere the portable socket calls run.
/// </summary>
internal static unsafe partial class LinuxUdp
{
    public const int MsgDontWait = 0x40;
    public const int MsgTrunc = 0x20;
    public const int MsgWaitForOne = 0x10000;
    public const int EINTR = 4, EAGAIN = 11, EBADF = 9, EIO = 5, EINVAL = 22, ENOPROTOOPT = 92, EOPNOTSUPP = 95;

    // UDP generic segmentation offload: a cmsg (SOL_UDP, UDP_SEGMENT) carrying the segment size as a uint16.
    private const int SolUdp = 17, UdpSegment = 103;

    /// <summary>CMSG_SPACE(sizeof(uint16)) on 64-bit Linux: a 16-byte cmsghdr, 2 bytes of data, aligned to 8.</summary>
    public const int SegmentControlSpace = 24;

    /// <summary>Writes the UDP_SEGMENT control message (cmsg_len = CMSG_LEN(2) = 18) into <paramref name="control"/>.</summary>
    public static void WriteSegmentSize(byte* control, ushort segmentSize)
    {
        new Span<byte>(control, SegmentControlSpace).Clear();
        *(nuint*)control = 18;
        *(int*)(control + 8) = SolUdp;
        *(int*)(control + 12) = UdpSegment;
        *(ushort*)(control + 16) = segmentSize;
    }

    /// <summary>Room for either sockaddr (sockaddr_in6 is 28 bytes).</summary>
    public const int SockAddrCapacity = 32;

    private const ushort AfInet = 2, AfInet6 = 10;

    public static bool IsSupported => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    public static partial nint SendTo(int fd, byte* buffer, nuint length, int flags, byte* address, uint addressLength);

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public byte* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary>
    /// Writes the sockaddr for <paramref name="to"/> as a socket of <paramref name="socketFamily"/> expects it (an IPv4
    /// target becomes ::ffff:a.b.c.d on an IPv6 socket); 0 when that socket cannot reach it.
    /// </summary>
    public static int WriteSockAddr(IPEndPoint to, AddressFamily socketFamily, Span<byte> destination)
    {
        destination[..SockAddrCapacity].Clear();
        var address = to.Address;
        if (socketFamily == AddressFamily.InterNetwork)
        {
            if (address.AddressFamily != AddressFamily.InterNetwork) return 0;
            BinaryPrimitives.WriteUInt16LittleEndian(destination, AfInet);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)to.Port);
            address.TryWriteBytes(destination.Slice(4, 4), out _);
            return 16;
        }
        BinaryPrimitives.WriteUInt16LittleEndian(destination, AfInet6);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)to.Port);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            destination[18] = 0xFF;
            destination[19] = 0xFF;
            address.TryWriteBytes(destination.Slice(20, 4), out _);
        }
        else
        {
            address.TryWriteBytes(destination.Slice(8, 16), out _);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], (uint)address.ScopeId);
        }
        return 28;
    }

    /// <summary>The sender in a received sockaddr; IPv4-mapped IPv6 addresses come out as IPv4.</summary>
    public static bool TryReadSockAddr(ReadOnlySpan<byte> name, out EndPointKey key)
    {
        key = default;
        if (name.Length < 8) return false;
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(name);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(name[2..]);
        if (family == AfInet)
        {
            key = new EndPointKey(0, 0xFFFF_0000_0000UL | BinaryPrimitives.ReadUInt32BigEndian(name[4..]), port, 0, IsV4: true);
            return true;
        }
        if (family != AfInet6 || name.Length < 28) return false;
        ulong high = BinaryPrimitives.ReadUInt64BigEndian(name[8..]);
        ulong low = BinaryPrimitives.ReadUInt64BigEndian(name[16..]);
        bool mapped = high == 0 && low >> 32 == 0xFFFF;
        key = new EndPointKey(high, low, port, mapped ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(name[24..]), mapped);
        return true;
    }
}

/// <summary>A sender's address and port as plain values (IPv4 kept in the IPv4-mapped form), to look its IPEndPoint up without allocating.</summary>
internal readonly record struct EndPointKey(ulong High, ulong Low, ushort Port, uint ScopeId, bool IsV4)
{
    public IPEndPoint ToEndPoint()
    {
        if (IsV4) return new IPEndPoint(new IPAddress(BinaryPrimitives.ReverseEndianness((uint)Low)), Port);
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, High);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], Low);
        return new IPEndPoint(new IPAddress(bytes, ScopeId), Port);
    }
}
