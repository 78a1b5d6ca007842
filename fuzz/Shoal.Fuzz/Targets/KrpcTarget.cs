using System.Net;
using Shoal.Discovery.Dht;
using Shoal.Transport;

namespace Shoal.Fuzz.Targets;

/// <summary>
/// The DHT's front door. <see cref="KrpcParser.TryParse"/> never throws and keeps every list, string and id within its
/// bounds; what it accepts writes out and parses back to the same bytes. Then the datagram goes to a live
/// <see cref="DhtNode"/> (one for the whole run, so its state builds up): it must not throw, and nothing it sends in
/// reaction may exceed 1,400 bytes nor six times the datagram's size (the source never answered, so it is unverified:
/// no amplification). Input: one datagram, from a public IPv4 address.
/// </summary>
internal sealed class KrpcTarget : FuzzTarget
{
    private static readonly IPEndPoint Source = new(IPAddress.Parse("192.0.2.1"), 6881);
    private static readonly RecordingPort Port = new();
    private static readonly DhtOptions Options = new()
    {
        BootstrapNodes = [], QueriesPerSecondPerAddress = 1e9, QueryBurstPerAddress = 1e9, QueriesPerSecond = 1e9,
    };
    private static readonly DhtNode Node = DhtNode.Start(Port, Options, TimeProvider.System, new Random(1));

    public override string Name => "krpc";

    public override string Description => "KrpcParser.TryParse never throws, round-trips; DhtNode.TryHandle never throws nor amplifies";

    public override bool Run(byte[] data)
    {
        var status = KrpcParser.TryParse(data, out var message);
        if (status == KrpcParseStatus.Dropped && message is not null) throw new InvariantViolation("krpc: dropped, yet a message came back");
        if (message is not null) CheckBounds(message);
        if (status == KrpcParseStatus.Ok && message!.Method != KrpcMethod.Unknown)
        {
            var written = KrpcWriter.ToArray(message);
            if (KrpcParser.TryParse(written, out var again) != KrpcParseStatus.Ok)
                throw new InvariantViolation("krpc: what the writer wrote does not parse");
            if (!written.AsSpan().SequenceEqual(KrpcWriter.ToArray(again!)))
                throw new InvariantViolation("krpc: writing the re-parsed message changed its bytes");
        }

        Port.Sent.Clear();
        bool claimed = Node.TryHandle(data, Source);
        if (claimed != (data.Length > 0 && data[0] == (byte)'d')) throw new InvariantViolation("krpc: claimed a datagram that is not KRPC, or refused one that is");
        foreach (int length in Port.Sent)
            if (length > Options.MaxReplyBytes || length > Options.UnverifiedReplyFactor * data.Length)
                throw new InvariantViolation($"krpc: answered a {data.Length}-byte datagram with {length} bytes");
        return status == KrpcParseStatus.Ok;
    }

    private static void CheckBounds(KrpcMessage m)
    {
        if (m.TransactionId.Length is < 1 or > KrpcParser.MaxTransactionIdLength) throw new InvariantViolation("krpc: transaction id out of bounds");
        if ((m.Token?.Length ?? 0) > KrpcParser.MaxTokenLength) throw new InvariantViolation("krpc: token too long");
        if ((m.Nodes?.Count ?? 0) > KrpcParser.MaxNodesPerList || (m.Nodes6?.Count ?? 0) > KrpcParser.MaxNodesPerList)
            throw new InvariantViolation("krpc: too many nodes");
        if ((m.Values?.Count ?? 0) > KrpcParser.MaxValues) throw new InvariantViolation("krpc: too many values");
        if (m.Port is < 0 or > ushort.MaxValue) throw new InvariantViolation("krpc: port out of range");
    }

    /// <summary>Stands in for the UDP socket: records the size of what the node sends.</summary>
    private sealed class RecordingPort : IDatagramPort
    {
        public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Parse("192.0.2.2"), 6881);

        public List<int> Sent { get; } = [];

        public void Send(ReadOnlySpan<byte> datagram, IPEndPoint to) => Sent.Add(datagram.Length);

        public IDisposable Register(IDatagramHandler handler) => new Nothing();

        private sealed class Nothing : IDisposable
        {
            public void Dispose() { }
        }
    }
}
