using System.Buffers.Binary;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shoal.TrackerServer;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Udp;
using Shoal.Trackers;
using Shoal.Trackers.Udp;
using Shoal.Wire;
using static Shoal.Tests.TrackerServer.TrackerTestData;

namespace Shoal.Tests.TrackerServer;

public class UdpRequestHandlerTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly byte[] _reply = new byte[UdpProtocol.MaxPacket];

    private UdpRequestHandler NewHandler(TrackerOptions? options = null)
    {
        options ??= new TrackerOptions();
        var registry = new SwarmRegistry(options.AnnounceInterval * 1.5, _time);
        return new UdpRequestHandler(new TrackerCore(options, registry, _time, NullLoggerFactory.Instance));
    }

    [Fact]
    public void SipHash_matches_the_reference_vector()
    {
        // From the SipHash paper: key 00..0f, message 00..0e.
        ulong k0 = BinaryPrimitives.ReadUInt64LittleEndian([0, 1, 2, 3, 4, 5, 6, 7]);
        ulong k1 = BinaryPrimitives.ReadUInt64LittleEndian([8, 9, 10, 11, 12, 13, 14, 15]);
        var message = Enumerable.Range(0, 15).Select(i => (byte)i).ToArray();
        Assert.Equal(0xa129ca6149be45e5UL, SipHash.Compute(k0, k1, message));
    }

    [Fact]
    public void Connection_ids_live_one_to_two_minutes_and_are_bound_to_the_address()
    {
        var ids = new ConnectionIds(_time);
        var client = V4(1);
        ulong id = ids.Issue(in client);
        Assert.True(ids.IsValid(id, in client));
        var other = V4(2);
        Assert.False(ids.IsValid(id, in other));
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.True(ids.IsValid(id, in client));
        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.False(ids.IsValid(id, in client));
    }

    public static byte[] Connect(int transaction)
    {
        var packet = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(packet, UdpTrackerCodec.ProtocolId);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(12), transaction);
        return packet;
    }

    public static byte[] AnnouncePacket(long connectionId, int transaction, Shoal.Metainfo.InfoHash hash, PeerId id, long left,
        AnnounceEvent announceEvent, int numWant, ushort port)
    {
        var packet = new byte[98];
        BinaryPrimitives.WriteInt64BigEndian(packet, connectionId);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(8), 1);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(12), transaction);
        hash.CopyTo(packet.AsSpan(16));
        ((ReadOnlySpan<byte>)id).CopyTo(packet.AsSpan(36));
        BinaryPrimitives.WriteInt64BigEndian(packet.AsSpan(64), left);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(80), (int)announceEvent);
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(92), numWant);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(96), port);
        return packet;
    }

    private long ConnectAs(UdpRequestHandler handler, PeerEndpoint client)
    {
        int length = handler.Handle(Connect(77), in client, _reply);
        Assert.Equal(16, length);
        Assert.Equal(0, BinaryPrimitives.ReadInt32BigEndian(_reply));
        Assert.Equal(77, BinaryPrimitives.ReadInt32BigEndian(_reply.AsSpan(4)));
        return BinaryPrimitives.ReadInt64BigEndian(_reply.AsSpan(8));
    }

    [Fact]
    public void Connect_then_announce_returns_the_other_peers()
    {
        var handler = NewHandler();
        var hash = Hash(1);
        var seeder = V4(1);
        long seederId = ConnectAs(handler, seeder);
        Assert.Equal(20, handler.Handle(AnnouncePacket(seederId, 5, hash, Id(1), 0, AnnounceEvent.Started, -1, 7001), in seeder, _reply));

        var leecher = V4(2);
        long leecherId = ConnectAs(handler, leecher);
        int length = handler.Handle(AnnouncePacket(leecherId, 6, hash, Id(2), 1000, AnnounceEvent.Started, 10, 7002), in leecher, _reply);
        Assert.Equal(26, length);
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(_reply));
        Assert.Equal(6, BinaryPrimitives.ReadInt32BigEndian(_reply.AsSpan(4)));
        Assert.Equal(1800, BinaryPrimitives.ReadInt32BigEndian(_reply.AsSpan(8)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(_reply.AsSpan(12))); // leechers
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(_reply.AsSpan(16))); // seeders
        // The peer is registered at its source address with the port it announced.
        Assert.Equal([seeder.WithPort(7001)], Endpoints(_reply.AsSpan(20, 6), 6));
    }

    [Fact]
    public void A_steady_state_announce_allocates_nothing()
    {
        var handler = NewHandler();
        var hash = Hash(7);
        for (int peer = 0; peer < 100; peer++)
        {
            var endpoint = V4(peer);
            handler.Handle(AnnouncePacket(ConnectAs(handler, endpoint), 1, hash, Id(peer), 5, AnnounceEvent.Started, 0, 7000), in endpoint, _reply);
        }
        var client = V4(1);
        var packet = AnnouncePacket(ConnectAs(handler, client), 2, hash, Id(1), 5, AnnounceEvent.None, 50, 7000);
        handler.Handle(packet, in client, _reply); // warm-up: the thread's peer selection buffers
        int answered = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) answered += handler.Handle(packet, in client, _reply) == 20 + 50 * 6 ? 1 : 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1000, answered);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void IPv6_clients_get_18_byte_peers()
    {
        var handler = NewHandler();
        var hash = Hash(2);
        var first = V6(1);
        handler.Handle(AnnouncePacket(ConnectAs(handler, first), 1, hash, Id(1), 0, AnnounceEvent.None, -1, 7001), in first, _reply);
        var second = V6(2);
        int length = handler.Handle(AnnouncePacket(ConnectAs(handler, second), 2, hash, Id(2), 5, AnnounceEvent.None, -1, 7002), in second, _reply);
        Assert.Equal(20 + 18, length);
        Assert.Equal([first.WithPort(7001)], Endpoints(_reply.AsSpan(20, 18), 18));
    }

    [Fact]
    public void Answers_fit_one_unfragmented_datagram()
    {
        var handler = NewHandler(new TrackerOptions { MaxNumWant = 1000 });
        var hash = Hash(3);
        for (int peer = 0; peer < 300; peer++)
        {
            var v4 = V4(peer);
            handler.Handle(AnnouncePacket(ConnectAs(handler, v4), 1, hash, Id(peer), 5, AnnounceEvent.None, 0, 7000), in v4, _reply);
            var v6 = V6(peer);
            handler.Handle(AnnouncePacket(ConnectAs(handler, v6), 1, hash, Id(1000 + peer), 5, AnnounceEvent.None, 0, 7000), in v6, _reply);
        }
        var client4 = V4(1);
        Assert.Equal(20 + 242 * 6, handler.Handle(AnnouncePacket(ConnectAs(handler, client4), 2, hash, Id(1), 5, 0, 1000, 7000), in client4, _reply));
        var client6 = V6(1);
        Assert.Equal(20 + 79 * 18, handler.Handle(AnnouncePacket(ConnectAs(handler, client6), 2, hash, Id(1001), 5, 0, 1000, 7000), in client6, _reply));
    }

    [Fact]
    public void Scrape_answers_counts_in_bep15_order()
    {
        var handler = NewHandler();
        var client = V4(3);
        long id = ConnectAs(handler, client);
        handler.Handle(AnnouncePacket(id, 1, Hash(5), Id(1), 0, AnnounceEvent.Completed, -1, 7001), in client, _reply);
        var scrape = new byte[16 + 40];
        BinaryPrimitives.WriteInt64BigEndian(scrape, id);
        BinaryPrimitives.WriteInt32BigEndian(scrape.AsSpan(8), 2);
        BinaryPrimitives.WriteInt32BigEndian(scrape.AsSpan(12), 9);
        Hash(5).CopyTo(scrape.AsSpan(16));
        Hash(6).CopyTo(scrape.AsSpan(36));
        Assert.Equal(8 + 24, handler.Handle(scrape, in client, _reply));
        Assert.Equal([2, 9, 1, 1, 0, 0, 0, 0], Enumerable.Range(0, 8).Select(i => BinaryPrimitives.ReadInt32BigEndian(_reply.AsSpan(i * 4))));
    }

    [Fact]
    public void Bad_connection_ids_are_dropped_and_bad_announces_get_errors()
    {
        var handler = NewHandler();
        var client = V4(4);
        Assert.Equal(0, handler.Handle(AnnouncePacket(12345, 1, Hash(1), Id(1), 0, AnnounceEvent.None, -1, 7001), in client, _reply));
        Assert.Equal(0, handler.Handle(Connect(1).AsSpan(0, 15).ToArray(), in client, _reply));
        var wrongMagic = Connect(1);
        wrongMagic[0] = 9;
        Assert.Equal(0, handler.Handle(wrongMagic, in client, _reply));

        long id = ConnectAs(handler, client);
        var badEvent = AnnouncePacket(id, 3, Hash(1), Id(1), 0, (AnnounceEvent)9, -1, 7001);
        int length = handler.Handle(badEvent, in client, _reply);
        Assert.Equal(3, BinaryPrimitives.ReadInt32BigEndian(_reply));
        Assert.Equal(3, BinaryPrimitives.ReadInt32BigEndian(_reply.AsSpan(4)));
        Assert.Equal("unknown event", System.Text.Encoding.UTF8.GetString(_reply, 8, length - 8));
        var shortAnnounce = AnnouncePacket(id, 4, Hash(1), Id(1), 0, 0, -1, 7001).AsSpan(0, 60).ToArray();
        Assert.Equal(3, handler.Handle(shortAnnounce, in client, _reply) > 8 ? BinaryPrimitives.ReadInt32BigEndian(_reply) : -1);
    }

    [Fact]
    public void Random_datagrams_never_throw_and_answers_are_well_formed()
    {
        var handler = NewHandler(new TrackerOptions { MaxNumWant = 50 });
        var client = V4(9);
        long id = ConnectAs(handler, client);
        var idBytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(idBytes, id);
        // Half the packets carry a valid connection id, so the announce/scrape parsers see random bodies too.
        Gen.Select(Gen.Byte.Array[0, 200], Gen.Int[0, 3], Gen.Bool).Sample((bytes, action, validId) =>
        {
            if (validId && bytes.Length >= 16)
            {
                idBytes.CopyTo(bytes, 0);
                BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), action);
            }
            // CsCheck samples on several threads: one answer buffer per sample.
            var reply = new byte[UdpProtocol.MaxPacket];
            int length = handler.Handle(bytes, in client, reply);
            if (length == 0) return;
            Assert.True(length >= 8);
            int replyAction = BinaryPrimitives.ReadInt32BigEndian(reply);
            Assert.Equal(BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(12)), BinaryPrimitives.ReadInt32BigEndian(reply.AsSpan(4)));
            switch (replyAction)
            {
                case 0: Assert.Equal(16, length); break;
                case 1: Assert.True(length >= 20 && (length - 20) % 6 == 0); break;
                case 2: Assert.True((length - 8) % 12 == 0 && length > 8); break;
                case 3: Assert.True(length > 8); break;
                default: Assert.Fail($"unexpected action {replyAction}"); break;
            }
        }, iter: 20000);
    }
}
