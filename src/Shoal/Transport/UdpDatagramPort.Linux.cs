using System.Net;
using System.Runtime.InteropServices;
using static Shoal.Transport.LinuxUdp;

namespace Shoal.Transport;

public sealed partial class UdpDatagramPort
{
    private const int ReceiveBatch = 64;
    private const int ReceiveSlot = 4096;        // larger than any datagram uTP or the DHT sends; longer ones are dropped
    private const int MaxCachedSenders = 4096;

    // GSO: at most this many datagrams, and this many bytes, in one message (the kernel's UDP_MAX_SEGMENTS is 64 on
    // older kernels; 65,507 is the largest UDP payload).
    private const int MaxSegments = 64;
    private const int MaxSegmentedBytes = 65_000;

    // Set once the kernel refused a segmented send on this socket (no GSO for the route's device).
    private volatile bool _gsoRefused;
    private long _segmentedMessages;

    /// <summary>Messages sent with UDP_SEGMENT, each carrying several datagrams (diagnostics and tests).</summary>
    internal long SegmentedMessages => Interlocked.Read(ref _segmentedMessages);

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
    private void SendBatchNative(DatagramBatch batch) => SendBatchNative(batch, 0);

    /// <summary>
    /// Sends datagrams <paramref name="first"/>.. of the batch. Runs of datagrams to one target, all of one length but
    /// the last, go as one message with UDP generic segmentation offload (UDP_SEGMENT): the kernel cuts it into the
    /// datagrams, so a window of uTP packets costs one trip through the UDP/IP stack instead of one per packet (on
    /// loopback a uTP transfer spent a quarter of its sender's CPU in sendmmsg). Where the kernel or device refuses
    /// GSO, it is turned off for the socket and the rest is sent datagram by datagram.
    /// </summary>
    private unsafe void SendBatchNative(DatagramBatch batch, int first)
    {
        int count = batch.Count - first;
        if (count <= 0) return;
        var messages = stackalloc MMsgHdr[count];
        var vectors = stackalloc IoVec[count];
        byte* names = stackalloc byte[count * SockAddrCapacity];
        byte* controls = stackalloc byte[count * SegmentControlSpace];
        int* starts = stackalloc int[count];
        bool gso = !_gsoRefused;
        var handle = _socket.SafeHandle;
        bool referenced = false;
        fixed (byte* buffer = batch.Buffer)
        {
            int valid = 0;
            for (int i = first; i < batch.Count;)
            {
                byte* name = names + valid * SockAddrCapacity;
                var target = batch.TargetOf(i);
                int nameLength = WriteSockAddr(target, _socket.AddressFamily, new Span<byte>(name, SockAddrCapacity));
                if (nameLength == 0)
                {
                    i++;
                    continue;
                }
                int end = gso ? SegmentRunEnd(batch, i) : i + 1;
                for (int k = i; k < end; k++)
                    vectors[k - first] = new IoVec { Base = buffer + k * DatagramBatch.SlotSize, Length = (nuint)batch.LengthOf(k) };
                messages[valid] = new MMsgHdr { Header = new MsgHdr { Name = name, NameLength = (uint)nameLength, Iov = vectors + (i - first), IovLength = (nuint)(end - i) } };
                if (end - i > 1)
                {
                    byte* control = controls + valid * SegmentControlSpace;
                    WriteSegmentSize(control, (ushort)batch.LengthOf(i));
                    messages[valid].Header.Control = control;
                    messages[valid].Header.ControlLength = SegmentControlSpace;
                }
                starts[valid++] = i;
                i = end;
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
                        for (int k = sent; k < sent + n; k++)
                            if (messages[k].Header.IovLength > 1) Interlocked.Increment(ref _segmentedMessages);
                        sent += n;
                        continue;
                    }
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == EINTR) continue;
                    if (errno is EAGAIN or EBADF) break;
                    if (messages[sent].Header.IovLength > 1 && errno is EIO or EINVAL or ENOPROTOOPT or EOPNOTSUPP)
                    {
                        _gsoRefused = true;
                        if (referenced)
                        {
                            handle.DangerousRelease();
                            referenced = false;
                        }
                        SendBatchNative(batch, starts[sent]);
                        return;
                    }
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

    /// <summary>Where the run of datagrams from <paramref name="start"/> that one GSO message can carry ends (exclusive).</summary>
    private static int SegmentRunEnd(DatagramBatch batch, int start)
    {
        int size = batch.LengthOf(start);
        var target = batch.TargetOf(start);
        int total = size;
        int end = start + 1;
        while (end < batch.Count && end - start < MaxSegments)
        {
            int length = batch.LengthOf(end);
            if (length > size || total + length > MaxSegmentedBytes || !batch.TargetOf(end).Equals(target)) break;
            total += length;
            end++;
            if (length < size) break; // only the last segment may be shorter
        }
        return end;
    }
}
