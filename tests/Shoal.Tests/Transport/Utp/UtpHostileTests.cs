using System.Net;
using Shoal.Transport.Utp;

namespace Shoal.Tests.Transport.Utp;

/// <summary>What a third party or a broken peer can send: bounded, and never breaks a healthy connection.</summary>
public sealed class UtpHostileTests
{
    [Fact]
    public async Task A_syn_flood_fills_at_most_the_accept_backlog_and_the_unconfirmed_connections_time_out()
    {
        await using var lab = new UtpLab(seed: 41, options: new UtpOptions { AcceptBacklog = 16, MaxConnections = 100 });
        var attacker = lab.Network.AddHost("10.0.0.66");
        var syn = new byte[UtpHeader.Size];
        for (int id = 0; id < 1000; id++)
        {
            new UtpHeader(UtpPacketType.Syn, 0, (ushort)id, 1, 0, 65536, 1, 0).WriteTo(syn);
            attacker.Send(syn, lab.PortB.LocalEndPoint);
        }
        lab.Network.Run(TimeSpan.FromMilliseconds(50));
        Assert.Equal(16, lab.B.ConnectionCount);
        // Nobody follows their SYN up: they are given up after the SYN timeouts, and a real peer gets in again.
        var drained = new List<UtpStream>();
        lab.Network.Run(TimeSpan.FromSeconds(20), () =>
        {
            while (lab.B.Incoming.TryRead(out var stream)) drained.Add(stream);
        });
        Assert.Equal(0, lab.B.ConnectionCount);
        Assert.All(drained, s => Assert.Throws<IOException>(() => s.TryRead(new byte[1])));
        var (client, server) = await lab.ConnectAsync();
        var data = UtpLab.RandomBytes(10_000, 1);
        Assert.Equal(data, lab.Transfer(client, server, data, TimeSpan.FromSeconds(10)).Received);
    }

    [Fact]
    public async Task Injected_packets_with_wrong_ids_acks_or_sequence_numbers_do_not_break_a_transfer()
    {
        await using var lab = new UtpLab(seed: 42, new LinkConditions { Latency = TimeSpan.FromMilliseconds(5) });
        var (client, server) = await lab.ConnectAsync();
        var random = new Random(42);
        var packet = new byte[UtpHeader.Size + 100];
        void Inject()
        {
            // Spoofed from A's address: garbage, a RESET with an ACK from the future, an ACK of unsent data, data far ahead.
            var from = lab.PortA.LocalEndPoint;
            random.NextBytes(packet);
            lab.Network.Send(from, packet, lab.PortB.LocalEndPoint);
            var id = client.Connection.SendId;
            new UtpHeader(UtpPacketType.Reset, 0, id, 0, 0, 0, 1, (ushort)random.Next(20_000, 40_000)).WriteTo(packet);
            lab.Network.Send(from, packet.AsSpan(0, UtpHeader.Size), lab.PortB.LocalEndPoint);
            new UtpHeader(UtpPacketType.State, 0, id, 0, 0, 1 << 20, 1, (ushort)random.Next(20_000, 40_000)).WriteTo(packet);
            lab.Network.Send(from, packet.AsSpan(0, UtpHeader.Size), lab.PortB.LocalEndPoint);
            new UtpHeader(UtpPacketType.Data, 0, id, 0, 0, 1 << 20, (ushort)random.Next(), 0).WriteTo(packet);
            lab.Network.Send(from, packet, lab.PortB.LocalEndPoint);
        }
        var data = UtpLab.RandomBytes(300_000, 2);
        var received = new MemoryStream();
        int written = 0;
        var buffer = new byte[65536];
        Assert.True(lab.Network.RunUntil(() =>
        {
            Inject();
            if (written < data.Length) written += client.TryWrite(data.AsSpan(written));
            int n;
            while ((n = server.TryRead(buffer)) > 0) received.Write(buffer, 0, n);
            return received.Length == data.Length;
        }, TimeSpan.FromSeconds(60)), $"{UtpLab.Describe(client)} {UtpLab.Describe(server)}");
        Assert.Equal(data, received.ToArray());
    }

    [Fact]
    public async Task Data_for_an_unknown_connection_is_answered_with_a_reset()
    {
        await using var lab = new UtpLab(seed: 43);
        var (client, server) = await lab.ConnectAsync();
        lab.Network.Filter = (_, from, _) => !from.Equals(lab.PortB.LocalEndPoint); // B's RESETs on shutdown are lost
        await lab.B.DisposeAsync(); // B forgets everything (a restart)
        lab.Network.Filter = null;
        var b2 = new UtpSocketManager(lab.PortB, new UtpOptions { TimeProvider = lab.Network.Time });
        await using (b2)
        {
            client.TryWrite(new byte[100]);
            IOException? error = null;
            Assert.True(lab.Network.RunUntil(() =>
            {
                try { client.TryRead(new byte[10]); }
                catch (IOException e) { error = e; }
                return error is not null;
            }, TimeSpan.FromSeconds(2)));
            Assert.Contains("reset", error!.Message, StringComparison.Ordinal);
        }
        _ = server;
    }

    [Fact]
    public async Task Datagrams_that_are_not_utp_are_left_for_the_other_handlers()
    {
        await using var lab = new UtpLab(seed: 44);
        Assert.False(lab.B.TryHandle("d1:ad2:id20:aaaaaaaaaaaaaaaaaaaae1:q4:ping1:t2:aa1:y1:qe"u8, new IPEndPoint(IPAddress.Loopback, 1)));
        Assert.False(lab.B.TryHandle([0x41, 0], new IPEndPoint(IPAddress.Loopback, 1)));
        var state = new byte[UtpHeader.Size];
        state[0] = 0x21;
        Assert.True(lab.B.TryHandle(state, new IPEndPoint(IPAddress.Loopback, 1))); // uTP: claimed, and dropped (no such connection)
    }
}
