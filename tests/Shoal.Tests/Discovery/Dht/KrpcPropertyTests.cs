using System.Net;
using CsCheck;
using Shoal.Bencoding;
using Shoal.Discovery.Dht;
using Shoal.Tests.Bencoding;

namespace Shoal.Tests.Discovery.Dht;

/// <summary>Whatever arrives on the DHT port, the parser answers within its bounds and never throws; what it writes it reads back.</summary>
public sealed class KrpcPropertyTests
{
    private static readonly Gen<NodeId> Id = Gen.Byte.Array[NodeId.Length].Select(b => new NodeId(b));

    private static readonly Gen<IPEndPoint> V4 = Gen.Select(Gen.Byte[1, 223], Gen.Byte.Array[3], Gen.Int[1, 65535])
        .Select((first, rest, port) => new IPEndPoint(new IPAddress([first, .. rest]), port));

    private static readonly Gen<IPEndPoint> V6 = Gen.Select(Gen.Byte.Array[15], Gen.Int[1, 65535])
        .Select((rest, port) => new IPEndPoint(new IPAddress([0x20, .. rest]), port));

    private static readonly Gen<KrpcMessage> Message = Gen.Frequency(
        (3, Gen.Select(Gen.OneOfConst(KrpcMethod.Ping, KrpcMethod.FindNode, KrpcMethod.GetPeers, KrpcMethod.AnnouncePeer),
                Gen.Byte.Array[1, 16], Id, Id, Gen.Byte.Array[1, 64], Gen.Int[0, 65535], Gen.Bool, Gen.Int[0, 3])
            .Select((method, t, id, target, token, port, flag, want) => new KrpcMessage
            {
                Kind = KrpcKind.Query, Method = method, TransactionId = t, Id = id, Target = target, Token = token, Port = port,
                ImpliedPort = flag, Seed = !flag, ReadOnly = flag, Want = (NodeFamilies)want, Version = flag ? KrpcWriter.ShoalVersion : null,
            })),
        (3, Gen.Select(Gen.Byte.Array[1, 16], Id, Gen.Select(Id, V4).List[0, 8], Gen.Select(Id, V6).List[0, 8],
                Gen.Frequency((2, V4), (1, V6)).List[0, 40], Gen.Byte.Array[0, 64], Gen.Bool, V4)
            .Select((t, id, nodes, nodes6, values, token, flag, ip) => new KrpcMessage
            {
                Kind = KrpcKind.Response, TransactionId = t, Id = id,
                Nodes = nodes.ConvertAll(n => new NodeContact(n.Item1, n.Item2)), Nodes6 = nodes6.ConvertAll(n => new NodeContact(n.Item1, n.Item2)),
                Values = flag ? values : null, Token = flag ? token : null, RequesterEndPoint = flag ? null : ip,
            })),
        (1, Gen.Select(Gen.Byte.Array[1, 16], Gen.Int[0, 1000], Gen.String[Gen.Char.AlphaNumeric, 0, 100])
            .Select((t, code, text) => new KrpcMessage { Kind = KrpcKind.Error, TransactionId = t, ErrorCode = code, ErrorMessage = text })));

    private static void Bounded(KrpcParseStatus status, KrpcMessage? message)
    {
        if (status == KrpcParseStatus.Dropped) Assert.Null(message);
        if (message is null) return;
        Assert.InRange(message.TransactionId.Length, 1, KrpcParser.MaxTransactionIdLength);
        Assert.True((message.Token?.Length ?? 0) <= KrpcParser.MaxTokenLength);
        Assert.True((message.Nodes?.Count ?? 0) <= KrpcParser.MaxNodesPerList);
        Assert.True((message.Nodes6?.Count ?? 0) <= KrpcParser.MaxNodesPerList);
        Assert.True((message.Values?.Count ?? 0) <= KrpcParser.MaxValues);
        Assert.True((message.ErrorMessage?.Length ?? 0) <= KrpcParser.MaxErrorMessageLength);
        Assert.All(message.Values ?? [], v => Assert.InRange(v.Port, 1, 65535));
    }

    [Fact]
    public void Written_messages_parse_back_to_the_same_bytes() =>
        Message.Sample(message =>
        {
            var bytes = KrpcWriter.ToArray(message);
            Assert.Equal(KrpcParseStatus.Ok, KrpcParser.TryParse(bytes, out var parsed));
            Assert.Equal(bytes, KrpcWriter.ToArray(parsed!));
            Assert.Equal((message.Kind, message.TransactionId.Length), (parsed!.Kind, parsed.TransactionId.Length));
            if (message.Kind != KrpcKind.Error) Assert.Equal(message.Id, parsed.Id);
        }, iter: 5_000);

    [Fact]
    public void Random_bytes_never_throw_and_stay_within_bounds() =>
        Gen.Byte.Array[0, 400].Sample(bytes =>
        {
            var status = KrpcParser.TryParse(bytes, out var message);
            Bounded(status, message);
        }, iter: 50_000);

    [Fact]
    public void Damaged_messages_never_throw_and_stay_within_bounds() =>
        Gen.Select(Message, Gen.Int[0, 10_000], Gen.Byte, Gen.Int[0, 3]).Sample((message, at, value, how) =>
        {
            var bytes = KrpcWriter.ToArray(message);
            int i = at % bytes.Length;
            byte[] damaged = how switch
            {
                0 => bytes[..i],
                1 => [.. bytes[..i], value, .. bytes[i..]],
                2 => [.. bytes[..i], .. bytes[Math.Min(bytes.Length, i + 1)..]],
                _ => bytes.Select((b, k) => k == i ? value : b).ToArray(),
            };
            var status = KrpcParser.TryParse(damaged, out var parsed);
            Bounded(status, parsed);
        }, iter: 20_000);

    [Fact]
    public void Krpc_shaped_dictionaries_with_wrong_types_never_throw()
    {
        string[] keys = ["a", "e", "id", "implied_port", "info_hash", "ip", "nodes", "nodes6", "port", "q", "r", "ro", "t", "target", "token",
            "v", "values", "want", "y"];
        var value = BencodeShapes.Trees(keys, Gen.OneOf<BValue>(Gen.Long[-2, 70_000].Select(v => (BValue)new BInteger(v)),
            Gen.Int[0, 3].SelectMany(n => Gen.Byte.Array[n * 13, n * 13 + 2]).Select(b => (BValue)new BString(b)),
            Gen.OneOfConst("q", "r", "e", "ping", "find_node", "get_peers", "announce_peer", "n4", "n6", "aa").Select(s => (BValue)new BString(s))));
        value.Sample(v =>
        {
            var status = KrpcParser.TryParse(v.Encode(), out var message);
            Bounded(status, message);
        }, iter: 20_000);
    }
}
