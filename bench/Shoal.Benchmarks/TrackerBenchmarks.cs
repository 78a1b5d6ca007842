using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Shoal.Metainfo;
using Shoal.TrackerServer;
using Shoal.TrackerServer.Http;
using Shoal.TrackerServer.Registry;
using Shoal.TrackerServer.Udp;
using Shoal.Trackers;
using Shoal.Wire;

namespace Shoal.Benchmarks;

/// <summary>
/// The tracker's per-request CPU work without the network: a registry announce returning 50 peers, HTTP query parsing,
/// and a whole BEP 15 announce through the UDP handler. Whole-server throughput: bench/tracker-vs-opentracker.sh.
/// </summary>
[MemoryDiagnoser]
public class TrackerBenchmarks
{
    private const int Torrents = 1000;
    private const int Peers = 100;
    private SwarmRegistry _registry = null!;
    private UdpRequestHandler _handler = null!;
    private readonly PeerSelection _selection = new(200);
    private readonly byte[] _packet = new byte[98];
    private readonly byte[] _reply = new byte[UdpProtocol.MaxPacket];
    private PeerEndpoint _client;
    private int _next;
    private const string Query =
        "?info_hash=%12%34%56%78%9a%bc%de%f0%12%34%56%78%9a%bc%de%f0%12%34%56%78&peer_id=-qB4650-a1b2c3d4e5f6" +
        "&port=51413&uploaded=0&downloaded=0&left=1048576&corrupt=0&key=3F1A2B&event=started&numwant=50&compact=1&no_peer_id=1";

    [GlobalSetup]
    public void Setup()
    {
        _registry = new SwarmRegistry(TimeSpan.FromHours(1));
        _handler = new UdpRequestHandler(new TrackerCore(new TrackerOptions(), _registry, TimeProvider.System, NullLoggerFactory.Instance));
        _client = PeerEndpoint.FromAddress([127, 0, 0, 1], 6881);
        for (int t = 0; t < Torrents; t++)
            for (int p = 0; p < Peers; p++) _registry.Announce(Request(t, p, 0), _selection);
        BinaryPrimitives.WriteUInt64BigEndian(_packet, _handler.Ids.Issue(in _client));
        BinaryPrimitives.WriteInt32BigEndian(_packet.AsSpan(8), 1);
        BinaryPrimitives.WriteInt64BigEndian(_packet.AsSpan(64), 1000);
        BinaryPrimitives.WriteInt32BigEndian(_packet.AsSpan(92), 50);
        BinaryPrimitives.WriteUInt16BigEndian(_packet.AsSpan(96), 6881);
    }

    private static PeerAnnounce Request(int torrent, int peer, int numWant)
    {
        Span<byte> bytes = stackalloc byte[20];
        BinaryPrimitives.WriteInt32BigEndian(bytes, torrent);
        var hash = new InfoHash(bytes);
        BinaryPrimitives.WriteInt32BigEndian(bytes[16..], peer);
        return new PeerAnnounce(hash, PeerId.From(bytes), PeerEndpoint.FromAddress([10, 0, (byte)(peer >> 8), (byte)peer], 6881),
            AnnounceEvent.None, peer % 10 == 0, numWant);
    }

    [Benchmark]
    public int RegistryAnnounce()
    {
        int n = _next++;
        var request = Request(n % Torrents, n / Torrents % Peers, 50);
        return _registry.Announce(in request, _selection).Seeders;
    }

    [Benchmark]
    public string? ParseAnnounceQuery() => AnnounceQuery.TryParse(Query, out _);

    [Benchmark]
    public int UdpAnnounce()
    {
        int n = _next++;
        BinaryPrimitives.WriteInt32BigEndian(_packet.AsSpan(16), n % Torrents);
        BinaryPrimitives.WriteInt32BigEndian(_packet.AsSpan(52), n / Torrents % Peers);
        return _handler.Handle(_packet, in _client, _reply);
    }
}
