using System.Net;
using Shoal.Discovery.Dht;

namespace Shoal.Tests.Discovery.Dht;

/// <summary>How a node answers others: BEP 5 replies, tokens, BEP 42 "ip", BEP 43, amplification and rate limits.</summary>
public sealed class DhtServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly NodeId Torrent = NodeId.Parse("0123456789abcdef0123456789abcdef01234567");

    [Fact]
    public async Task A_ping_is_answered_with_the_node_id_and_the_address_it_came_from()
    {
        await using var rig = new DhtRig();
        var node = rig.AddNode();
        var client = rig.AddScripted();
        client.Send(client.Query(KrpcMethod.Ping), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));

        var reply = Assert.Single(client.Replies()).Message;
        Assert.Equal((KrpcKind.Response, node.Id), (reply.Kind, reply.Id));
        Assert.Equal(new byte[] { 0x51, 0x51 }, reply.TransactionId);
        Assert.Equal(client.EndPoint, reply.RequesterEndPoint);
        Assert.Equal(KrpcWriter.ShoalVersion, reply.Version);
    }

    [Fact]
    public async Task Find_node_returns_the_eight_closest_nodes_it_knows()
    {
        await using var rig = new DhtRig();
        var nodes = rig.Build(40);
        var node = nodes[0];
        var client = rig.AddScripted();
        var target = NodeId.Random(rig.Random);
        client.Send(client.Query(KrpcMethod.FindNode, target), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));

        var reply = client.Replies().Single().Message;
        var known = node.GetRoutingTableNodes();
        Assert.Equal(8, reply.Nodes!.Count);
        Assert.Equal(known.OrderBy(n => n.Id ^ target).Take(8), reply.Nodes);
        Assert.Null(reply.Nodes6); // asked over IPv4 without "want": IPv4 nodes only
    }

    [Fact]
    public async Task A_token_from_get_peers_lets_that_address_announce_and_the_peer_is_then_handed_out()
    {
        await using var rig = new DhtRig();
        var node = rig.AddNode();
        var announcer = rig.AddScripted();
        announcer.Send(announcer.Query(KrpcMethod.GetPeers, Torrent), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));
        var token = announcer.Replies().Single().Message.Token!;
        Assert.Null(announcer.Replies().Single().Message.Values);

        announcer.Send(announcer.Query(KrpcMethod.AnnouncePeer, Torrent, token, port: 51413), rig.Endpoint(node));
        announcer.Send(announcer.Query(KrpcMethod.AnnouncePeer, Torrent, token, port: 1, impliedPort: true), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));
        Assert.All(announcer.Replies().Skip(1), r => Assert.Equal(KrpcKind.Response, r.Message.Kind));

        var seeker = rig.AddScripted();
        seeker.Send(seeker.Query(KrpcMethod.GetPeers, Torrent), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));
        var values = seeker.Replies().Single().Message.Values!;
        Assert.Equal([new IPEndPoint(announcer.EndPoint.Address, 51413), announcer.EndPoint], values.OrderBy(v => v.Port == 6881));
        Assert.Equal(2, node.GetStats().StoredPeers);
    }

    [Fact]
    public async Task Announces_with_a_token_of_another_address_or_none_valid_are_refused()
    {
        await using var rig = new DhtRig();
        var node = rig.AddNode();
        var honest = rig.AddScripted();
        honest.Send(honest.Query(KrpcMethod.GetPeers, Torrent), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));
        var token = honest.Replies().Single().Message.Token!;

        var thief = rig.AddScripted();
        thief.Send(thief.Query(KrpcMethod.AnnouncePeer, Torrent, token, port: 6881), rig.Endpoint(node));
        thief.Send(thief.Query(KrpcMethod.AnnouncePeer, Torrent, [1, 2, 3], port: 6881), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));
        Assert.All(thief.Replies(), r => Assert.Equal((KrpcKind.Error, KrpcMessage.ProtocolError), (r.Message.Kind, r.Message.ErrorCode)));
        Assert.Equal(2, thief.Replies().Count);

        rig.Run(TimeSpan.FromMinutes(11)); // two secret rotations later the honest token is stale too
        honest.Send(honest.Query(KrpcMethod.AnnouncePeer, Torrent, token, port: 6881), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(KrpcKind.Error, honest.Replies()[^1].Message.Kind);
        Assert.Equal(0, node.GetStats().StoredPeers);
    }

    [Fact]
    public async Task Unknown_methods_get_error_204_and_bad_arguments_error_203()
    {
        await using var rig = new DhtRig();
        var node = rig.AddNode();
        var client = rig.AddScripted();
        client.SendRaw("d1:ad2:id20:abcdefghij0123456789e1:q6:vote_x1:t2:xx1:y1:qe"u8.ToArray(), rig.Endpoint(node));
        client.SendRaw("d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:yy1:y1:qe"u8.ToArray(), rig.Endpoint(node));
        client.SendRaw("d1:ad2:id3:abce1:q4:ping1:t2:zz1:y1:qe"u8.ToArray(), rig.Endpoint(node));
        client.SendRaw("this is not bencode"u8.ToArray(), rig.Endpoint(node)); // not ours ('d' first), unclaimed
        client.SendRaw("d1:xe"u8.ToArray(), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));

        var replies = client.Replies().Select(r => (System.Text.Encoding.ASCII.GetString(r.Message.TransactionId), r.Message.ErrorCode)).ToList();
        Assert.Equal([("xx", KrpcMessage.MethodUnknown), ("yy", KrpcMessage.ProtocolError), ("zz", KrpcMessage.ProtocolError)], replies);
        Assert.Equal(1, rig.PortOf(node).Unclaimed);
        Assert.True(node.GetStats().Dropped >= 3);
    }

    [Fact]
    public async Task A_reply_to_a_source_that_never_answered_us_is_at_most_six_times_its_query()
    {
        await using var rig = new DhtRig();
        var nodes = rig.Build(30);
        var node = nodes[0];
        var announcers = Enumerable.Range(0, 300).Select(_ => rig.AddScripted()).ToList();
        foreach (var a in announcers) a.Send(a.Query(KrpcMethod.GetPeers, Torrent), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));
        foreach (var a in announcers) a.Send(a.Query(KrpcMethod.AnnouncePeer, Torrent, a.Replies()[0].Message.Token, port: 7000), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));
        Assert.Equal(300, node.GetStats().StoredPeers);

        // A spoofed source: its queries are answered, but never with more than six times their size.
        var stranger = rig.AddScripted();
        int queryLength = stranger.Send(stranger.Query(KrpcMethod.GetPeers, Torrent, want: NodeFamilies.V4 | NodeFamilies.V6), rig.Endpoint(node));
        stranger.Send(stranger.Query(KrpcMethod.FindNode, Torrent), rig.Endpoint(node));
        stranger.Send(stranger.Query(KrpcMethod.Ping), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));
        var strangerReplies = stranger.Replies();
        Assert.Equal(3, strangerReplies.Count);
        Assert.InRange(strangerReplies[0].Bytes.Length, 1, 6 * queryLength);
        Assert.NotEmpty(strangerReplies[0].Message.Values!);
        Assert.NotEmpty(strangerReplies[0].Message.Nodes!);

        // A node that answered our ping has shown it receives at its address: replies grow to the 1,400-byte cap.
        rig.Run(TimeSpan.FromSeconds(5)); // the pings its first queries earned went unanswered and timed out
        stranger.Answers = true;
        node.AddNode(stranger.EndPoint);
        rig.Run(TimeSpan.FromSeconds(1));
        stranger.Send(stranger.Query(KrpcMethod.GetPeers, Torrent), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));
        var verifiedReply = stranger.Replies()[^1];
        Assert.InRange(verifiedReply.Bytes.Length, 6 * queryLength + 1, 1400);
        Assert.True(verifiedReply.Message.Values!.Count > strangerReplies[0].Message.Values!.Count);
    }

    [Fact]
    public async Task Queries_beyond_the_per_address_rate_are_dropped()
    {
        await using var rig = new DhtRig();
        var node = rig.AddNode(DhtRig.Options with { QueriesPerSecondPerAddress = 5, QueryBurstPerAddress = 10 });
        var flooder = rig.AddScripted();
        for (int i = 0; i < 100; i++) flooder.Send(flooder.Query(KrpcMethod.Ping), rig.Endpoint(node));
        var other = rig.AddScripted();
        other.Send(other.Query(KrpcMethod.Ping), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));

        Assert.Equal(10, flooder.Replies().Count);
        Assert.Single(other.Replies());
        Assert.Equal(90, node.GetStats().QueriesRateLimited);
        rig.Run(TimeSpan.FromSeconds(2));
        for (int i = 0; i < 100; i++) flooder.Send(flooder.Query(KrpcMethod.Ping), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));
        Assert.InRange(flooder.Replies().Count, 20, 21); // 10 tokens back after 2 s
    }

    [Fact]
    public async Task A_stranger_that_queries_is_pinged_and_joins_the_table_only_if_it_answers()
    {
        await using var rig = new DhtRig();
        var node = rig.AddNode();
        var silent = rig.AddScripted();
        var alive = rig.AddScripted();
        alive.Answers = true;
        silent.Send(silent.Query(KrpcMethod.FindNode, Torrent), rig.Endpoint(node));
        alive.Send(alive.Query(KrpcMethod.FindNode, Torrent), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(10));

        Assert.Single(silent.QueriesReceived, q => q.Method == KrpcMethod.Ping);
        Assert.Equal([new NodeContact(alive.Id, alive.EndPoint)], node.GetRoutingTableNodes());
    }

    [Fact]
    public async Task A_read_only_querier_is_answered_but_never_pinged_nor_added()
    {
        await using var rig = new DhtRig();
        var node = rig.AddNode();
        var readOnly = rig.AddScripted();
        readOnly.Answers = true;
        readOnly.Send(readOnly.Query(KrpcMethod.FindNode, Torrent, readOnly: true), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(10));

        Assert.Single(readOnly.Replies());
        Assert.Empty(readOnly.QueriesReceived);
        Assert.Empty(node.GetRoutingTableNodes());
    }

    [Fact]
    public async Task A_read_only_node_answers_nothing_and_marks_its_own_queries()
    {
        await using var rig = new DhtRig();
        var readOnly = rig.AddNode(DhtRig.Options with { ReadOnly = true });
        var peer = rig.AddScripted();
        peer.Answers = true;
        peer.Send(peer.Query(KrpcMethod.Ping), rig.Endpoint(readOnly));
        rig.Complete(readOnly.BootstrapAsync([peer.EndPoint], Ct));

        Assert.Empty(peer.Replies());
        var query = Assert.Single(peer.QueriesReceived);
        Assert.True(query.ReadOnly);
        Assert.Single(readOnly.GetRoutingTableNodes()); // it still keeps a table for its own lookups
    }

    [Fact]
    public async Task A_node_answering_with_a_different_id_than_before_is_treated_as_new()
    {
        await using var rig = new DhtRig();
        var node = rig.AddNode();
        var peer = rig.AddScripted();
        peer.Answers = true;
        var firstId = peer.Id;
        node.AddNode(peer.EndPoint);
        rig.Run(TimeSpan.FromSeconds(1));
        Assert.Equal([new NodeContact(firstId, peer.EndPoint)], node.GetRoutingTableNodes());

        peer.Id = NodeId.Random(rig.Random); // restarted with a new id on the same address
        peer.Send(peer.Query(KrpcMethod.Ping), rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(1));
        // The old entry is gone at once; the new id is pinged like any stranger and then added fresh.
        Assert.Equal([new NodeContact(peer.Id, peer.EndPoint)], node.GetRoutingTableNodes());
        Assert.Equal(2, peer.QueriesReceived.Count(q => q.Method == KrpcMethod.Ping));
    }

    [Fact]
    public async Task A_response_from_another_endpoint_than_the_one_asked_is_ignored()
    {
        await using var rig = new DhtRig();
        var node = rig.AddNode();
        var asked = rig.AddScripted();
        var forger = rig.AddScripted();
        node.AddNode(asked.EndPoint);
        rig.Run(TimeSpan.FromMilliseconds(100));
        var ping = asked.QueriesReceived.Single();
        forger.Send(new KrpcMessage { Kind = KrpcKind.Response, TransactionId = ping.TransactionId, Id = forger.Id }, rig.Endpoint(node));
        rig.Run(TimeSpan.FromSeconds(10));

        Assert.Empty(node.GetRoutingTableNodes());
        Assert.Equal(1, node.GetStats().Dropped);
    }

    [Fact]
    public async Task Enough_votes_for_a_public_address_give_the_node_a_conforming_id()
    {
        await using var rig = new DhtRig();
        var node = rig.AddNode();
        var before = node.Id;
        var external = IPAddress.Parse("203.0.113.77");
        var voters = Enumerable.Range(0, 6).Select(_ => rig.AddScripted()).ToList();
        foreach (var voter in voters) node.AddNode(voter.EndPoint);
        rig.Run(TimeSpan.FromMilliseconds(100));
        foreach (var voter in voters)
        {
            var ping = voter.QueriesReceived.Single();
            voter.Send(new KrpcMessage
            {
                Kind = KrpcKind.Response, TransactionId = ping.TransactionId, Id = voter.Id, RequesterEndPoint = new IPEndPoint(external, 6881),
            }, rig.Endpoint(node));
        }
        rig.Run(TimeSpan.FromSeconds(1));

        Assert.NotEqual(before, node.Id);
        Assert.True(SecureNodeId.IsConforming(node.Id, external));
        Assert.Equal(external, node.GetStats().ExternalAddress);
        Assert.Equal(6, node.GetRoutingTableNodes().Count); // the table was rebuilt around the new id, nobody lost
    }

    [Fact]
    public async Task A_known_external_address_gives_a_conforming_id_at_start()
    {
        await using var rig = new DhtRig();
        var external = IPAddress.Parse("198.51.100.20");
        var node = rig.AddNode(DhtRig.Options with { ExternalAddress = external });
        Assert.True(SecureNodeId.IsConforming(node.Id, external));
    }
}
