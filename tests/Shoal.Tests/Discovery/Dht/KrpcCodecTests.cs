using System.Net;
using System.Text;
using Shoal.Discovery.Dht;

namespace Shoal.Tests.Discovery.Dht;

/// <summary>The KRPC codec against BEP 5's own examples, the BEP 32/42/43 additions, and the packets it must drop.</summary>
public sealed class KrpcCodecTests
{
    private static readonly NodeId AbcId = new("abcdefghij0123456789"u8);
    private static readonly NodeId MnoId = new("mnopqrstuvwxyz123456"u8);

    private static KrpcMessage Parse(string bencoded)
    {
        Assert.Equal(KrpcParseStatus.Ok, KrpcParser.TryParse(Encoding.Latin1.GetBytes(bencoded), out var message));
        return message!;
    }

    private static KrpcParseStatus Status(string bencoded) => KrpcParser.TryParse(Encoding.Latin1.GetBytes(bencoded), out _);

    private static string Write(KrpcMessage message) => Encoding.Latin1.GetString(KrpcWriter.ToArray(message));

    [Fact]
    public void Bep5_ping_query_and_response_parse_and_write_back_byte_for_byte()
    {
        const string query = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";
        var ping = Parse(query);
        Assert.Equal((KrpcKind.Query, KrpcMethod.Ping, AbcId), (ping.Kind, ping.Method, ping.Id));
        Assert.Equal("aa"u8.ToArray(), ping.TransactionId);
        Assert.Equal(query, Write(ping));

        const string response = "d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re";
        var pong = Parse(response);
        Assert.Equal((KrpcKind.Response, MnoId), (pong.Kind, pong.Id));
        Assert.Equal(response, Write(pong));
    }

    [Fact]
    public void Bep5_find_node_get_peers_and_announce_peer_queries_round_trip()
    {
        const string findNode = "d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe";
        var find = Parse(findNode);
        Assert.Equal((KrpcMethod.FindNode, MnoId), (find.Method, find.Target));
        Assert.Equal(findNode, Write(find));

        const string getPeers = "d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe";
        var get = Parse(getPeers);
        Assert.Equal((KrpcMethod.GetPeers, MnoId), (get.Method, get.Target));
        Assert.Equal(getPeers, Write(get));

        const string announce = "d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe";
        var ann = Parse(announce);
        Assert.Equal((KrpcMethod.AnnouncePeer, MnoId, 6881, true), (ann.Method, ann.Target, ann.Port, ann.ImpliedPort));
        Assert.Equal("aoeusnth"u8.ToArray(), ann.Token);
        Assert.Equal(announce, Write(ann));
    }

    [Fact]
    public void Bep5_get_peers_response_with_values_reads_compact_peers()
    {
        var response = Parse("d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re");
        Assert.Equal("aoeusnth"u8.ToArray(), response.Token);
        Assert.Equal([new IPEndPoint(IPAddress.Parse("97.120.106.101"), 0x2e75), new IPEndPoint(IPAddress.Parse("105.100.104.116"), 0x6e6d)],
            response.Values!);
    }

    [Fact]
    public void Bep5_error_reads_code_and_message()
    {
        var error = Parse("d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee");
        Assert.Equal((KrpcKind.Error, 201, "A Generic Error Ocurred"), (error.Kind, error.ErrorCode, error.ErrorMessage));
        Assert.Equal("d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee", Write(error));
    }

    [Fact]
    public void Compact_nodes_are_26_bytes_for_IPv4_and_38_for_IPv6()
    {
        var v4 = new NodeContact(AbcId, new IPEndPoint(IPAddress.Parse("192.0.2.7"), 6881));
        var v6 = new NodeContact(MnoId, new IPEndPoint(IPAddress.Parse("2001:db8::1"), 51413));
        var bytes = KrpcWriter.ToArray(new KrpcMessage { Kind = KrpcKind.Response, TransactionId = [1, 2], Id = AbcId, Nodes = [v4, v4], Nodes6 = [v6] });
        var text = Encoding.Latin1.GetString(bytes);
        Assert.Contains("5:nodes52:", text);
        Assert.Contains("6:nodes638:", text);
        Assert.Equal(KrpcParseStatus.Ok, KrpcParser.TryParse(bytes, out var parsed));
        Assert.Equal([v4, v4], parsed!.Nodes!);
        Assert.Equal([v6], parsed.Nodes6!);
    }

    [Fact]
    public void Bep32_want_and_hybrid_values_lists_are_understood()
    {
        var query = Parse("d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz1234564:wantl2:n42:n62:xxee1:q9:find_node1:t2:aa1:y1:qe");
        Assert.Equal(NodeFamilies.V4 | NodeFamilies.V6, query.Want);

        var v6 = new byte[18];
        IPAddress.Parse("2001:db8::2").TryWriteBytes(v6, out _);
        v6[16] = 0x1a;
        v6[17] = 0xe1;
        var response = Parse("d1:rd2:id20:abcdefghij01234567896:valuesl6:axje.u18:" + Encoding.Latin1.GetString(v6) + "5:shortee1:t2:aa1:y1:re");
        Assert.Equal([new IPEndPoint(IPAddress.Parse("97.120.106.101"), 0x2e75), new IPEndPoint(IPAddress.Parse("2001:db8::2"), 6881)],
            response.Values!);
    }

    [Fact]
    public void Bep42_ip_and_bep43_ro_are_read_and_written()
    {
        var query = Parse("d1:ad2:id20:abcdefghij0123456789e1:q4:ping2:roi1e1:t2:aa1:y1:qe");
        Assert.True(query.ReadOnly);
        Assert.Equal("d1:ad2:id20:abcdefghij0123456789e1:q4:ping2:roi1e1:t2:aa1:y1:qe", Write(query));

        const string withIp = "d2:ip6:\x7f\0\0\x01\x1a\xe1" + "1:rd2:id20:abcdefghij0123456789e1:t2:aa1:y1:re";
        var response = Parse(withIp);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 6881), response.RequesterEndPoint);
        Assert.Equal(withIp, Write(response));
    }

    [Fact]
    public void Unknown_keys_are_skipped_and_unknown_methods_parse_as_unknown()
    {
        var query = Parse("d1:ad5:extrald1:xi1eee2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:v4:LT\x01\x02" + "1:y1:q1:zi5ee");
        Assert.Equal(KrpcMethod.FindNode, query.Method);
        Assert.Equal(4, query.Version!.Length);

        var unknown = Parse("d1:ad2:id20:abcdefghij0123456789e1:q17:sample_infohashes1:t2:aa1:y1:qe");
        Assert.Equal(KrpcMethod.Unknown, unknown.Method);
    }

    [Theory]
    [InlineData("d1:ad2:id19:abcdefghij012345678e1:q4:ping1:t2:aa1:y1:qe")] // id of 19 bytes
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q9:find_node1:t2:aa1:y1:qe")] // find_node without a target
    [InlineData("d1:ad2:id20:abcdefghij01234567894:porti6881e5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe")] // no info_hash
    [InlineData("d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz1234564:porti70000e5:token1:xe1:q13:announce_peer1:t2:aa1:y1:qe")]
    [InlineData("d1:a4:nope1:q4:ping1:t2:aa1:y1:qe")] // arguments are not a dictionary
    public void A_query_with_bad_arguments_but_a_transaction_id_gets_a_protocol_error(string bencoded) =>
        Assert.Equal(KrpcParseStatus.InvalidQuery, Status(bencoded));

    [Theory]
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:y1:qe")] // no transaction id
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t17:aaaaaaaaaaaaaaaaa1:y1:qe")] // transaction id too long
    [InlineData("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:xe")] // unknown message type
    [InlineData("d1:t2:aa1:y1:ad2:id20:abcdefghij0123456789e1:q4:pinge")] // keys out of order (not canonical)
    [InlineData("d1:rd2:id20:abcdefghij01234567895:nodes25:abcdefghij0123456789xxxxxe1:t2:aa1:y1:re")] // nodes not a whole entry
    [InlineData("d1:rd5:token8:aoeusnthe1:t2:aa1:y1:re")] // response without an id
    [InlineData("d1:rd2:id20:abcdefghij0123456789e1:t2:aa1:y1:ree")] // trailing byte
    [InlineData("d1:rd2:id20:abcdefghij0123456789e1:t2:aa1:y1:r")] // truncated
    [InlineData("l1:t2:aae")] // not a dictionary
    [InlineData("d1:rd2:id20:abcdefghij01234567895:token65:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaae1:t2:aa1:y1:re")]
    public void Malformed_packets_are_dropped(string bencoded) => Assert.Equal(KrpcParseStatus.Dropped, Status(bencoded));

    [Fact]
    public void Oversized_and_deeply_nested_packets_are_dropped()
    {
        var padding = new string('x', KrpcParser.MaxDatagramLength);
        Assert.Equal(KrpcParseStatus.Dropped, Status($"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:q1:z{padding.Length}:{padding}e"));
        var deep = string.Concat(Enumerable.Repeat("l", 10)) + string.Concat(Enumerable.Repeat("e", 10));
        Assert.Equal(KrpcParseStatus.Dropped, Status($"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:q1:z{deep}e"));
    }

    [Fact]
    public void Node_entries_no_node_could_use_are_skipped()
    {
        var good = new NodeContact(AbcId, new IPEndPoint(IPAddress.Parse("192.0.2.7"), 6881));
        var bytes = new byte[4 * CompactInfo.NodeV4Length];
        CompactInfo.WriteNode(good, bytes);
        CompactInfo.WriteNode(good with { EndPoint = new IPEndPoint(IPAddress.Parse("192.0.2.7"), 1) }, bytes.AsSpan(26));
        bytes[26 + 24] = bytes[26 + 25] = 0; // port 0
        CompactInfo.WriteNode(good with { EndPoint = new IPEndPoint(IPAddress.Parse("224.0.0.1"), 6881) }, bytes.AsSpan(52)); // multicast
        CompactInfo.WriteNode(good with { EndPoint = new IPEndPoint(IPAddress.Parse("0.0.0.0"), 6881) }, bytes.AsSpan(78));
        var nodes = new List<NodeContact>();
        Assert.True(CompactInfo.TryReadNodes(bytes, System.Net.Sockets.AddressFamily.InterNetwork, nodes, 64));
        Assert.Equal([good], nodes);
    }
}
