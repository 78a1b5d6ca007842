using System.Buffers.Binary;
using System.Net;
using Shoal.Transport.Utp;

namespace Shoal.Tests.Transport.Utp;

/// <summary>The connection's state machine on the simulated network: setup, loss recovery, windows, closing.</summary>
public sealed class UtpConnectionTests
{
    private static UtpPacketType TypeOf(ReadOnlyMemory<byte> datagram) => (UtpPacketType)(datagram.Span[0] >> 4);

    private static ushort SeqOf(ReadOnlyMemory<byte> datagram) => BinaryPrimitives.ReadUInt16BigEndian(datagram.Span[16..]);

    /// <summary>Returns the scripted values first (connection id, then initial sequence number), then random ones.</summary>
    private sealed class ScriptedRandom(params int[] values) : Random(5)
    {
        private int _next;

        public override int Next(int minValue, int maxValue) => _next < values.Length ? values[_next++] : base.Next(minValue, maxValue);
    }

    [Fact]
    public async Task Sequence_numbers_wrap_around_65535_without_a_hiccup()
    {
        // A dials with receive id 1000 and first sequence number 65500: its data crosses 65535 → 0 within ~50 packets.
        await using var lab = new UtpLab(seed: 3, new LinkConditions { Jitter = TimeSpan.FromMilliseconds(4), Loss = 0.02 }, randomA: new ScriptedRandom(1000, 65500));
        var (client, server) = await lab.ConnectAsync();
        Assert.Equal((ushort)1000, client.Connection.ReceiveId);
        var data = UtpLab.RandomBytes(300_000, 7);
        Assert.Equal(data, lab.Transfer(client, server, data, TimeSpan.FromMinutes(2)).Received);
        Assert.True(client.Statistics.PacketsSent > 100);
    }

    [Fact]
    public async Task A_lost_packet_is_fast_retransmitted_after_duplicate_acks_without_a_timeout()
    {
        await using var lab = new UtpLab(seed: 4);
        var (client, server) = await lab.ConnectAsync();
        int dataPackets = 0;
        ushort dropped = 0;
        lab.Network.Filter = (datagram, from, _) =>
        {
            if (!from.Equals(lab.PortA.LocalEndPoint) || TypeOf(datagram) != UtpPacketType.Data) return true;
            if (++dataPackets != 30) return true;
            dropped = SeqOf(datagram);
            return false;
        };
        var data = UtpLab.RandomBytes(200_000, 8);
        Assert.Equal(data, lab.Transfer(client, server, data, TimeSpan.FromSeconds(30)).Received);
        Assert.NotEqual(0, dropped);
        Assert.Equal(1, client.Statistics.PacketsResent);
        Assert.Equal(1, client.Statistics.FastRetransmits);
        Assert.Equal(0, client.Statistics.Timeouts);
    }

    [Fact]
    public async Task Data_resent_because_its_acks_were_lost_is_acknowledged_again()
    {
        // Regression: a resend of data the receiver already had was taken for a packet from far ahead and ignored, so
        // once every ACK of the last packets was lost the sender timed out for good.
        await using var lab = new UtpLab(seed: 15);
        var (client, server) = await lab.ConnectAsync();
        lab.Network.Filter = (datagram, from, _) => !(from.Equals(lab.PortB.LocalEndPoint) && TypeOf(datagram) == UtpPacketType.State);
        var data = UtpLab.RandomBytes(2_760, 16); // the initial window: two packets
        int written = 0;
        var buffer = new byte[data.Length];
        int read = 0;
        lab.Network.Run(TimeSpan.FromMilliseconds(300), () =>
        {
            written += client.TryWrite(data.AsSpan(written));
            read += Math.Max(0, server.TryRead(buffer.AsSpan(read)));
        });
        Assert.Equal(data.Length, read); // everything arrived; none of it was acknowledged
        lab.Network.Filter = null;
        Assert.True(lab.Network.RunUntil(() => client.Connection.BytesInFlight == 0 && client.Statistics.PacketsResent > 0, TimeSpan.FromSeconds(5)),
            UtpLab.Describe(client));
        Assert.Equal(UtpState.Connected, client.Connection.State);
        Assert.True(server.Statistics.DuplicatePacketsReceived > 0);
    }

    [Fact]
    public async Task The_last_packet_lost_is_recovered_by_a_tail_loss_probe_long_before_the_retransmission_timeout()
    {
        await using var lab = new UtpLab(seed: 5);
        var (client, server) = await lab.ConnectAsync();
        int dropped = 0;
        lab.Network.Filter = (datagram, from, _) =>
            dropped++ > 0 || !from.Equals(lab.PortA.LocalEndPoint) || TypeOf(datagram) != UtpPacketType.Data;
        var data = UtpLab.RandomBytes(1000, 9); // one packet: no later packet can produce duplicate ACKs
        var (received, elapsed) = lab.Transfer(client, server, data, TimeSpan.FromSeconds(30), close: false);
        Assert.Equal(data, received);
        Assert.Equal(1, client.Statistics.TailProbes);
        Assert.Equal(0, client.Statistics.Timeouts);
        Assert.True(elapsed < TimeSpan.FromMilliseconds(200), $"took {elapsed}"); // 10 ms, on the next 50 ms tick
    }

    [Fact]
    public async Task When_the_probe_is_lost_too_the_retransmission_timeout_recovers_the_packet()
    {
        await using var lab = new UtpLab(seed: 5);
        var (client, server) = await lab.ConnectAsync();
        int dropped = 0;
        lab.Network.Filter = (datagram, from, _) =>
            dropped >= 2 || !from.Equals(lab.PortA.LocalEndPoint) || TypeOf(datagram) != UtpPacketType.Data || dropped++ < 0;
        var data = UtpLab.RandomBytes(1000, 9);
        var (received, elapsed) = lab.Transfer(client, server, data, TimeSpan.FromSeconds(30), close: false);
        Assert.Equal(data, received);
        Assert.Equal(1, client.Statistics.TailProbes);
        Assert.Equal(1, client.Statistics.Timeouts);
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2)); // the timeout is at least 500 ms
    }

    [Fact]
    public async Task A_closed_stream_delivers_everything_then_the_end_and_both_sides_forget_the_connection()
    {
        await using var lab = new UtpLab(seed: 6, new LinkConditions { Loss = 0.05 });
        var (client, server) = await lab.ConnectAsync();
        var data = UtpLab.RandomBytes(50_000, 10);
        Assert.Equal(data, lab.Transfer(client, server, data, TimeSpan.FromSeconds(60)).Received); // ends with TryRead == 0
        server.Dispose();
        Assert.True(lab.Network.RunUntil(() => lab.A.ConnectionCount == 0 && lab.B.ConnectionCount == 0, TimeSpan.FromSeconds(60)),
            $"still {lab.A.ConnectionCount} + {lab.B.ConnectionCount} connections: {UtpLab.Describe(client)} {UtpLab.Describe(server)}");
    }

    [Fact]
    public async Task Half_close_lets_the_other_direction_go_on()
    {
        await using var lab = new UtpLab(seed: 7);
        var (client, server) = await lab.ConnectAsync();
        client.ShutdownWrite();
        var buffer = new byte[10];
        Assert.True(lab.Network.RunUntil(() => server.TryRead(buffer) == 0, TimeSpan.FromSeconds(5)));
        var reply = UtpLab.RandomBytes(20_000, 11);
        Assert.Equal(reply, lab.Transfer(server, client, reply, TimeSpan.FromSeconds(30)).Received);
        Assert.Throws<IOException>(() => client.TryWrite(new byte[1]));
    }

    [Fact]
    public async Task A_reset_fails_the_other_side_at_once()
    {
        await using var lab = new UtpLab(seed: 8);
        var (client, server) = await lab.ConnectAsync();
        client.Abort();
        var buffer = new byte[10];
        IOException? error = null;
        Assert.True(lab.Network.RunUntil(() =>
        {
            try { server.TryRead(buffer); }
            catch (IOException e) { error = e; }
            return error is not null;
        }, TimeSpan.FromSeconds(1)));
        Assert.Contains("reset", error!.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<IOException>(() => server.WriteAsync(new byte[1], TestContext.Current.CancellationToken).AsTask());
    }

    [Fact]
    public async Task Connecting_to_nobody_fails_after_the_SYN_retries()
    {
        await using var lab = new UtpLab(seed: 9);
        var connect = lab.A.ConnectAsync(new IPEndPoint(IPAddress.Parse("10.0.0.9"), 6881), TestContext.Current.CancellationToken);
        var start = lab.Network.Time.GetUtcNow();
        Assert.True(lab.Network.RunUntil(() => lab.A.Connections.All(c => c.State == UtpState.Failed), TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(10)));
        var elapsed = lab.Network.Time.GetUtcNow() - start;
        var error = await Assert.ThrowsAsync<IOException>(() => connect.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Contains("no answer to SYN", error.Message, StringComparison.Ordinal);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(14), TimeSpan.FromSeconds(16)); // SYNs at 0, 1, 3, 7 s; given up at 15 s
    }

    [Fact]
    public async Task A_receiver_that_does_not_read_stops_the_sender_at_its_window_and_the_transfer_resumes_when_it_reads()
    {
        var options = new UtpOptions { ReceiveBufferBytes = 64 * 1024, SendBufferBytes = 32 * 1024 };
        await using var lab = new UtpLab(seed: 10, options: options);
        var (client, server) = await lab.ConnectAsync();
        var data = UtpLab.RandomBytes(500_000, 12);
        int written = 0;
        lab.Network.Run(TimeSpan.FromSeconds(5), () => written += client.TryWrite(data.AsSpan(written)));
        // Held at the receiver: at most its buffer; taken by the sender: its buffer plus what is in flight.
        Assert.InRange(written, 64 * 1024, 64 * 1024 + 32 * 1024 + 2 * 1400);
        Assert.Equal(0, client.TryWrite(data.AsSpan(written)));
        // While the window is shut the sender only probes it, one packet per retransmission timeout (>= 500 ms).
        Assert.InRange(server.Statistics.PacketsDroppedWindowFull, 0, 11);
        Assert.Equal(data, lab.Transfer(client, server, data, TimeSpan.FromSeconds(60), alreadyWritten: written).Received);
    }

    [Fact]
    public async Task Small_writes_coalesce_into_full_packets()
    {
        await using var lab = new UtpLab(seed: 11, new LinkConditions { Latency = TimeSpan.FromMilliseconds(20) });
        var (client, server) = await lab.ConnectAsync();
        var data = UtpLab.RandomBytes(100_000, 13);
        Assert.Equal(data, lab.Transfer(client, server, data, TimeSpan.FromSeconds(60), writeSize: 17).Received);
        // 5,883 writes of 17 bytes: about 73 full packets (plus a few undersized ones Nagle lets out while nothing waits).
        Assert.InRange(client.Statistics.PacketsSent, 73, 100);
    }

    [Fact]
    public async Task Flush_sends_a_partial_packet_at_once()
    {
        await using var lab = new UtpLab(seed: 12, new LinkConditions { Latency = TimeSpan.FromMilliseconds(50) });
        var (client, server) = await lab.ConnectAsync();
        Assert.Equal(1000, client.TryWrite(new byte[1000])); // goes at once: nothing in flight
        Assert.Equal(10, client.TryWrite(new byte[10]));     // held by Nagle: an undersized packet is in flight
        lab.Network.Run(TimeSpan.FromMilliseconds(20));
        Assert.Equal(1, client.Statistics.PacketsSent - 1); // SYN + the first packet only
        await client.FlushAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, client.Statistics.PacketsSent);
        var buffer = new byte[2000];
        int got = 0;
        Assert.True(lab.Network.RunUntil(() => (got += Math.Max(0, server.TryRead(buffer))) == 1010, TimeSpan.FromMilliseconds(80)));
    }
}
