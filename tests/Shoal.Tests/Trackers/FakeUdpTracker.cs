using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Shoal.Trackers;
using Shoal.Trackers.Udp;

namespace Shoal.Tests.Trackers;

/// <summary>
/// A small BEP 15 tracker on a loopback address for client tests. It issues connection ids from a per-instance secret
/// (so a restarted instance ignores old ones, as real trackers do), and a test can replace its answers.
/// </summary>
internal sealed class FakeUdpTracker : IDisposable
{
    private readonly UdpClient _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<byte[]> _received = new();
    private readonly ulong _secret = (ulong)Random.Shared.NextInt64();

    public FakeUdpTracker(IPAddress? address = null, int port = 0)
    {
        _socket = new UdpClient(new IPEndPoint(address ?? IPAddress.Loopback, port));
        EndPoint = (IPEndPoint)_socket.Client.LocalEndPoint!;
        _ = Task.Run(LoopAsync);
    }

    public IPEndPoint EndPoint { get; }

    public Uri Announce => new($"udp://{(EndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{EndPoint.Address}]" : EndPoint.Address.ToString())}:{EndPoint.Port}/announce");

    /// <summary>Peers handed out, already in compact form for this address family.</summary>
    public byte[] CompactPeers { get; set; } = [];

    /// <summary>Replaces the normal answer: given the request, returns the datagrams to send (empty = drop it).</summary>
    public Func<byte[], byte[][]?>? Override { get; set; }

    public IReadOnlyList<byte[]> Received => [.. _received];

    public int Count(UdpTrackerAction action) =>
        Received.Count(p => p.Length >= 12 && BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(8)) == (uint)action);

    public byte[] LastAnnounce => Received.Last(p => p.Length >= 98 && BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(8)) == 1);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult packet;
            try
            {
                packet = await _socket.ReceiveAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested) return;
                continue;
            }
            _received.Enqueue(packet.Buffer);
            var answers = Override?.Invoke(packet.Buffer) ?? Answer(packet.Buffer);
            foreach (var answer in answers)
            {
                try
                {
                    await _socket.SendAsync(answer, packet.RemoteEndPoint, _stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                }
            }
        }
    }

    /// <summary>What a well-behaved tracker would answer.</summary>
    public byte[][] Answer(byte[] request)
    {
        if (request.Length < 16) return [];
        ulong connectionId = BinaryPrimitives.ReadUInt64BigEndian(request);
        uint action = BinaryPrimitives.ReadUInt32BigEndian(request.AsSpan(8));
        uint tid = BinaryPrimitives.ReadUInt32BigEndian(request.AsSpan(12));
        if (action == 0)
        {
            if (connectionId != UdpTrackerCodec.ProtocolId) return [];
            var answer = new byte[16];
            BinaryPrimitives.WriteUInt32BigEndian(answer, 0);
            BinaryPrimitives.WriteUInt32BigEndian(answer.AsSpan(4), tid);
            BinaryPrimitives.WriteUInt64BigEndian(answer.AsSpan(8), _secret);
            return [answer];
        }
        if (connectionId != _secret) return []; // like real trackers: silently drop unknown connection ids
        if (action == 1 && request.Length >= 98)
        {
            var answer = new byte[20 + CompactPeers.Length];
            BinaryPrimitives.WriteUInt32BigEndian(answer, 1);
            BinaryPrimitives.WriteUInt32BigEndian(answer.AsSpan(4), tid);
            BinaryPrimitives.WriteInt32BigEndian(answer.AsSpan(8), 1800);
            BinaryPrimitives.WriteInt32BigEndian(answer.AsSpan(12), 5);
            BinaryPrimitives.WriteInt32BigEndian(answer.AsSpan(16), 6);
            CompactPeers.CopyTo(answer.AsSpan(20));
            return [answer];
        }
        if (action == 2 && request.Length >= 36)
        {
            var answer = new byte[20];
            BinaryPrimitives.WriteUInt32BigEndian(answer, 2);
            BinaryPrimitives.WriteUInt32BigEndian(answer.AsSpan(4), tid);
            BinaryPrimitives.WriteInt32BigEndian(answer.AsSpan(8), 7);
            BinaryPrimitives.WriteInt32BigEndian(answer.AsSpan(12), 8);
            BinaryPrimitives.WriteInt32BigEndian(answer.AsSpan(16), 9);
            return [answer];
        }
        return [];
    }

    public static byte[] Error(byte[] request, string message)
    {
        var text = System.Text.Encoding.ASCII.GetBytes(message);
        var answer = new byte[8 + text.Length];
        BinaryPrimitives.WriteUInt32BigEndian(answer, 3);
        request.AsSpan(12, 4).CopyTo(answer.AsSpan(4));
        text.CopyTo(answer.AsSpan(8));
        return answer;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
    }
}
