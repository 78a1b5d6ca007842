using System.Net;
using System.Threading.Channels;
using Shoal.Transport;

namespace Shoal.Tests.Transport;

public sealed class UdpDatagramPortTests
{
    private sealed class Recorder(byte first) : IDatagramHandler
    {
        public Channel<(byte[] Data, IPEndPoint From)> Received { get; } = Channel.CreateUnbounded<(byte[], IPEndPoint)>();

        public bool TryHandle(ReadOnlySpan<byte> datagram, IPEndPoint from)
        {
            if (datagram.IsEmpty || datagram[0] != first) return false;
            Received.Writer.TryWrite((datagram.ToArray(), from));
            return true;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Each_datagram_reaches_the_handler_that_claims_it(bool batched)
    {
        await using var a = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0), batched);
        await using var b = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0), batched);
        var dht = new Recorder((byte)'d');
        var utp = new Recorder(0x41);
        using var r1 = b.Register(dht);
        using var r2 = b.Register(utp);

        a.Send("d1:ad2:id20:xe"u8, b.LocalEndPoint);
        a.Send([0x41, 1, 2, 3], b.LocalEndPoint);
        a.Send([0x99], b.LocalEndPoint);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var krpc = await dht.Received.Reader.ReadAsync(timeout.Token);
        var syn = await utp.Received.Reader.ReadAsync(timeout.Token);
        Assert.Equal("d1:ad2:id20:xe"u8.ToArray(), krpc.Data);
        Assert.Equal(a.LocalEndPoint, krpc.From);
        Assert.Equal(new byte[] { 0x41, 1, 2, 3 }, syn.Data);
        while (b.Unclaimed == 0) await Task.Delay(10, timeout.Token);
        Assert.Equal(1, b.Unclaimed);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_dual_stack_port_reports_IPv4_senders_as_IPv4(bool batched)
    {
        await using var server = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.IPv6Any, 0), batched);
        await using var client = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0), batched);
        var recorder = new Recorder((byte)'d');
        using var _ = server.Register(recorder);

        client.Send("de"u8, new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var got = await recorder.Received.Reader.ReadAsync(timeout.Token);
        Assert.Equal(client.LocalEndPoint, got.From);

        // And back: a dual-stack port reaches an IPv4 peer, singly and in a batch.
        var back = new Recorder((byte)'d');
        using var __ = client.Register(back);
        server.Send("d1:xe"u8, got.From);
        var batch = new DatagramBatch();
        batch.Add("d1:ye"u8, got.From);
        server.Send(batch);
        Assert.Equal("d1:xe"u8.ToArray(), (await back.Received.Reader.ReadAsync(timeout.Token)).Data);
        Assert.Equal("d1:ye"u8.ToArray(), (await back.Received.Reader.ReadAsync(timeout.Token)).Data);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_batch_goes_out_whole_and_batch_handlers_hear_when_each_receive_batch_ends(bool batched)
    {
        await using var a = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0), batched);
        await using var b = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0), batched);
        var handler = new BatchRecorder();
        using var _ = b.Register(handler);
        var batch = new DatagramBatch();
        for (int i = 0; i < DatagramBatch.Capacity; i++) batch.Add([0x41, (byte)i], b.LocalEndPoint);
        Assert.True(batch.IsFull);
        a.Send(batch);
        Assert.Equal(0, batch.Count);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (handler.Count < DatagramBatch.Capacity) await Task.Delay(10, timeout.Token);
        Assert.Equal(Enumerable.Range(0, DatagramBatch.Capacity).Select(i => (byte)i), handler.Order);
        Assert.InRange(handler.Batches, 1, DatagramBatch.Capacity);
        Assert.Equal(batched, b.IsBatched);
    }

    [Fact]
    public async Task Runs_of_equal_datagrams_go_out_segmented_and_arrive_as_the_same_datagrams()
    {
        await using var a = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0), batched: true);
        await using var b = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0), batched: true);
        await using var c = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0), batched: true);
        var atB = new Recorder(0x41);
        var atC = new Recorder(0x41);
        using var rb = b.Register(atB);
        using var rc = c.Register(atC);

        // A run of full packets to b ending in a short one, a run to c, equal packets to b again, a longer one after.
        int[] lengths = [.. Enumerable.Repeat(1400, 20), 700, .. Enumerable.Repeat(1400, 5), .. Enumerable.Repeat(1400, 3), 1500, 20];
        int[] toC = [21, 22, 23, 24, 25];
        var batch = new DatagramBatch();
        var expectedB = new List<byte[]>();
        var expectedC = new List<byte[]>();
        for (int i = 0; i < lengths.Length; i++)
        {
            var datagram = new byte[lengths[i]];
            new Random(i).NextBytes(datagram);
            datagram[0] = 0x41;
            datagram[1] = (byte)i;
            bool forC = toC.Contains(i);
            batch.Add(datagram, forC ? c.LocalEndPoint : b.LocalEndPoint);
            (forC ? expectedC : expectedB).Add(datagram);
        }
        batch.SendThrough(a);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        foreach (var (expected, recorder) in new[] { (expectedB, atB), (expectedC, atC) })
            foreach (var datagram in expected)
                Assert.Equal(datagram, (await recorder.Received.Reader.ReadAsync(timeout.Token)).Data);
        Assert.False(atB.Received.Reader.TryRead(out _));
        if (a.IsBatched) Assert.True(a.SegmentedMessages >= 3, $"{a.SegmentedMessages} segmented sends"); // b's two runs and c's
    }

    private sealed class BatchRecorder : IDatagramBatchHandler
    {
        private readonly List<byte> _order = [];
        private int _batches;

        public int Count { get { lock (_order) return _order.Count; } }
        public IReadOnlyList<byte> Order { get { lock (_order) return [.. _order]; } }
        public int Batches => Volatile.Read(ref _batches);

        public bool TryHandle(ReadOnlySpan<byte> datagram, IPEndPoint from)
        {
            lock (_order) _order.Add(datagram[1]);
            return true;
        }

        public void OnBatchEnd() => Interlocked.Increment(ref _batches);
    }

    [Fact]
    public async Task An_unregistered_handler_no_longer_receives()
    {
        await using var a = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var b = UdpDatagramPort.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var recorder = new Recorder((byte)'d');
        b.Register(recorder).Dispose();

        a.Send("de"u8, b.LocalEndPoint);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (b.Unclaimed == 0) await Task.Delay(10, timeout.Token);
        Assert.False(recorder.Received.Reader.TryRead(out _));
    }
}
