using System.Net;
using System.Runtime.InteropServices;
using static Shoal.Transport.LinuxUdp;

namespace Shoal.Transport;

public sealed partial class UdpDatagramPort
{
    private const int ReceiveBatch = 64;
    private const int ReceiveSlot = 4096;        // larger than any datagram uTP or the DHT sends; longer ones are dropped
    private const int MaxCachedSenders = 4096;

    // Senders seen lately, so a datagram from a known peer costs no IPEndPoint allocation (receive thread only).
    private readonly Dictionary<EndPointKey, IPEndPoint> _senders = [];

    private Task StartBatchedLoop()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                BatchedReceiveLoop();
                done.TrySetResult();
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        { IsBackground = true, Name = $"shoal-udp-{LocalEndPoint.Port}" };
        thread.Start();
        return done.Task;
    }

    /// <summary>
    /// recvmmsg until stopped: each call returns every datagram waiting (up to a batch), blocking for the first one
    /// (MSG_WAITFORONE) at most the socket's receive timeout, so shutdown is noticed. The batch is dispatched, then
    /// <see cref="EndBatch"/> lets uTP send what the batch called for in one go.
    /// </summary>
    private unsafe void BatchedReceiveLoop()
    {
        var handle = _socket.SafeHandle;
        bool referenced = false;
        byte* memory = null;
        try
        {
            // Holding a reference keeps the descriptor (and its number) ours while the thread is inside recvmmsg.
            handle.DangerousAddRef(ref referenced);
            int fd = (int)handle.DangerousGetHandle();
            memory = (byte*)NativeMemory.AllocZeroed((nuint)(ReceiveBatch * (sizeof(MMsgHdr) + sizeof(IoVec) + SockAddrCapacity + ReceiveSlot)));
            var messages = (MMsgHdr*)memory;
            var vectors = (IoVec*)(messages + ReceiveBatch);
            byte* names = (byte*)(vectors + ReceiveBatch);
            byte* buffers = names + ReceiveBatch * SockAddrCapacity;
            while (!_stopping.IsCancellationRequested)
            {
                for (int i = 0; i < ReceiveBatch; i++)
                {
                    vectors[i] = new IoVec { Base = buffers + i * ReceiveSlot, Length = ReceiveSlot };
                    messages[i] = new MMsgHdr { Header = new MsgHdr { Name = names + i * SockAddrCapacity, NameLength = SockAddrCapacity, Iov = vectors + i, IovLength = 1 } };
                }
                int received = RecvMMsg(fd, messages, ReceiveBatch, MsgWaitForOne, null);
                if (received < 0)
                {
                    if (Marshal.GetLastPInvokeError() == EBADF) return;
                    continue; // EAGAIN (the receive timeout: look at _stopping), EINTR, an ICMP error from an earlier send
                }
                for (int i = 0; i < received; i++)
                {
                    if ((messages[i].Header.Flags & MsgTrunc) != 0) continue;
                    var name = new ReadOnlySpan<byte>(names + i * SockAddrCapacity, (int)Math.Min(messages[i].Header.NameLength, SockAddrCapacity));
                    if (!TryReadSockAddr(name, out var key)) continue;
                    Dispatch(new ReadOnlySpan<byte>(buffers + i * ReceiveSlot, (int)messages[i].Length), Sender(key));
                }
                if (received > 0) EndBatch();
            }
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (memory is not null) NativeMemory.Free(memory);
            if (referenced) handle.DangerousRelease();
        }
    }

    private IPEndPoint Sender(in EndPointKey key)
    {
        if (_senders.TryGetValue(key, out var endPoint)) return endPoint;
        if (_senders.Count >= MaxCachedSenders) _senders.Clear();
        return _senders[key] = key.ToEndPoint();
    }

    /// <summary>One datagram with sendto(MSG_DONTWAIT): never blocks; any error is a lost datagram.</summary>
    private unsafe void SendOneNative(ReadOnlySpan<byte> datagram, IPEndPoint to)
    {
        byte* name = stackalloc byte[SockAddrCapacity];
        int nameLength = WriteSockAddr(to, _socket.AddressFamily, new Span<byte>(name, SockAddrCapacity));
        if (nameLength == 0) return;
        var handle = _socket.SafeHandle;
        bool referenced = false;
        try
        {
            handle.DangerousAddRef(ref referenced);
            fixed (byte* data = datagram)
                SendTo((int)handle.DangerousGetHandle(), data, (nuint)datagram.Length, MsgDontWait, name, (uint)nameLength);
        }
        catch (ObjectDisposedException) { }
        finally
        {
            if (referenced) handle.DangerousRelease();
        }
    }

    /// <summary>
    /// A whole batch with sendmmsg(MSG_DONTWAIT), straight from the batch's pinned buffer. A datagram the kernel refuses
    /// (unreachable) is skipped; a full socket buffer drops the rest, as UDP may.
    /// </summary>
    private unsafe void SendBatchNative(DatagramBatch batch)
    {
        int count = batch.Count;
        var messages = stackalloc MMsgHdr[count];
        var vectors = stackalloc IoVec[count];
        byte* names = stackalloc byte[count * SockAddrCapacity];
        var handle = _socket.SafeHandle;
        bool referenced = false;
        fixed (byte* buffer = batch.Buffer)
        {
            int valid = 0;
            for (int i = 0; i < count; i++)
            {
                byte* name = names + valid * SockAddrCapacity;
                int nameLength = WriteSockAddr(batch.TargetOf(i), _socket.AddressFamily, new Span<byte>(name, SockAddrCapacity));
                if (nameLength == 0) continue;
                vectors[valid] = new IoVec { Base = buffer + i * DatagramBatch.SlotSize, Length = (nuint)batch.LengthOf(i) };
                messages[valid] = new MMsgHdr { Header = new MsgHdr { Name = name, NameLength = (uint)nameLength, Iov = vectors + valid, IovLength = 1 } };
                valid++;
            }
            try
            {
                handle.DangerousAddRef(ref referenced);
                int fd = (int)handle.DangerousGetHandle();
                for (int sent = 0; sent < valid;)
                {
                    int n = SendMMsg(fd, messages + sent, (uint)(valid - sent), MsgDontWait);
                    if (n > 0)
                    {
                        sent += n;
                        continue;
                    }
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR) continue;
                    if (errno is EAGAIN or EBADF) break;
                    sent++; // this datagram is refused (e.g. unreachable): skip it, send the rest
                }
            }
            catch (ObjectDisposedException) { }
            finally
            {
                if (referenced) handle.DangerousRelease();
            }
        }
    }
}
