using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Shoal.TrackerServer.Registry;

namespace Shoal.TrackerServer.Udp;

/// <summary>
/// Linux fast path for the UDP loop: recvmmsg takes up to <see cref="Batch"/> waiting datagrams in one system call and
/// sendmmsg sends all their answers in another, instead of two calls per datagram. Buffers live in native memory, one set
/// per thread. Other systems (or a libc without these calls) use the portable loop in <see cref="UdpFrontend"/>.
/// </summary>
internal sealed unsafe partial class LinuxBatchedUdp : IDisposable
{
    public const int Batch = 32;
    private const int ReceiveSize = 2048;
    private const int NameSize = 32; // >= sizeof(sockaddr_in6) = 28
    private const int MsgWaitForOne = 0x10000;
    private const int EINTR = 4, EBADF = 9;

    private readonly byte* _memory;
    private readonly MMsgHdr* _rx;
    private readonly MMsgHdr* _tx;
    private readonly IoVec* _rxIov;
    private readonly IoVec* _txIov;
    private readonly byte* _rxBuffers;
    private readonly byte* _txBuffers;
    private readonly byte* _names;

    public LinuxBatchedUdp()
    {
        nuint size = (nuint)(2 * Batch * sizeof(MMsgHdr) + 2 * Batch * sizeof(IoVec) + Batch * ReceiveSize
            + Batch * UdpProtocol.MaxPacket + Batch * NameSize);
        _memory = (byte*)NativeMemory.AllocZeroed(size);
        byte* next = _memory;
        _rx = (MMsgHdr*)next; next += Batch * sizeof(MMsgHdr);
        _tx = (MMsgHdr*)next; next += Batch * sizeof(MMsgHdr);
        _rxIov = (IoVec*)next; next += Batch * sizeof(IoVec);
        _txIov = (IoVec*)next; next += Batch * sizeof(IoVec);
        _rxBuffers = next; next += Batch * ReceiveSize;
        _txBuffers = next; next += Batch * UdpProtocol.MaxPacket;
        _names = next;
    }

    /// <summary>True when this process can use recvmmsg/sendmmsg (Linux on a 64-bit platform).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>
    /// Receives one batch (blocking until at least one datagram or the socket's receive timeout), answers it, sends the
    /// answers. Returns false once the socket is closed. Socket-level errors other than closing are swallowed.
    /// </summary>
    public bool RunOnce(SafeSocketHandle handle, UdpRequestHandler handler)
    {
        int fd = (int)handle.DangerousGetHandle();
        for (int i = 0; i < Batch; i++)
        {
            _rxIov[i] = new IoVec { Base = _rxBuffers + i * ReceiveSize, Length = ReceiveSize };
            _rx[i] = new MMsgHdr { Header = new MsgHdr { Name = _names + i * NameSize, NameLength = NameSize, Iov = _rxIov + i, IovLength = 1 } };
        }
        int received = RecvMMsg(fd, _rx, Batch, MsgWaitForOne, null);
        if (received < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return errno != EBADF; // EAGAIN: the receive timeout, so the caller can look for shutdown
        }
        int answers = 0;
        for (int i = 0; i < received; i++)
        {
            if (!TryReadSender(_names + i * NameSize, (int)_rx[i].Header.NameLength, out var client)) continue;
            var packet = new ReadOnlySpan<byte>(_rxBuffers + i * ReceiveSize, (int)_rx[i].Length);
            var reply = new Span<byte>(_txBuffers + answers * UdpProtocol.MaxPacket, UdpProtocol.MaxPacket);
            int length = handler.Handle(packet, in client, reply);
            if (length <= 0) continue;
            _txIov[answers] = new IoVec { Base = _txBuffers + answers * UdpProtocol.MaxPacket, Length = (nuint)length };
            _tx[answers] = new MMsgHdr
            {
                Header = new MsgHdr { Name = _names + i * NameSize, NameLength = _rx[i].Header.NameLength, Iov = _txIov + answers, IovLength = 1 },
            };
            answers++;
        }
        for (int sent = 0; sent < answers;)
        {
            int n = SendMMsg(fd, _tx + sent, (uint)(answers - sent), 0);
            if (n > 0) { sent += n; continue; }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) continue;
            if (errno == EBADF) return false;
            sent++; // an answer the kernel refuses (e.g. unreachable) is skipped, not retried forever
        }
        return true;
    }

    // sockaddr_in: family(2, host order) port(2, network order) addr(4); sockaddr_in6: family port flowinfo(4) addr(16).
    private static bool TryReadSender(byte* name, int length, out PeerEndpoint client)
    {
        client = default;
        var bytes = new ReadOnlySpan<byte>(name, Math.Min(length, NameSize));
        if (bytes.Length < 8) return false;
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(bytes);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]);
        if (family == 2) { client = PeerEndpoint.FromAddress(bytes.Slice(4, 4), port); return true; }
        if (family == 10 && bytes.Length >= 24) { client = PeerEndpoint.FromAddress(bytes.Slice(8, 16), port); return true; }
        return false;
    }

    public void Dispose() => NativeMemory.Free(_memory);

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    private static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    private static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public byte* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
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
    private struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }
}
