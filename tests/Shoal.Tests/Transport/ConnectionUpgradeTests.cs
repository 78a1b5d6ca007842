using System.Net;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Swarm;
using Shoal.Transport;
using Shoal.Wire;

namespace Shoal.Tests.Transport;

/// <summary>The upgrade stage's default: plaintext handshakes pass with their first bytes given back, anything else goes to the responder.</summary>
public class ConnectionUpgradeTests
{
    private static readonly InfoHash Hash = InfoHash.Parse(new string('a', 40));

    private sealed class Lookup : IInfoHashLookup
    {
        public IReadOnlyCollection<InfoHash> InfoHashes => [Hash];
        public bool Contains(InfoHash infoHash) => infoHash == Hash;
    }

    private sealed class RecordingResponder : IIncomingHandshakeResponder
    {
        public byte[]? FirstBytes { get; private set; }
        public IReadOnlyCollection<InfoHash>? Torrents { get; private set; }

        public ValueTask<TransportConnection?> RespondAsync(TransportConnection connection, ReadOnlyMemory<byte> firstBytes, IInfoHashLookup torrents, CancellationToken ct)
        {
            FirstBytes = firstBytes.ToArray();
            Torrents = torrents.InfoHashes;
            return ValueTask.FromResult<TransportConnection?>(connection.Wrap(connection.Stream, isEncrypted: true));
        }
    }

    private static TransportConnection Incoming(byte[] bytes) =>
        new(new MemoryStream(bytes), new IPEndPoint(IPAddress.Parse("::ffff:10.1.2.3"), 6881), TransportKind.Tcp, isIncoming: true);

    [Fact]
    public async Task A_plaintext_handshake_passes_whole()
    {
        var handshake = new byte[Handshake.Length];
        new Handshake(Hash, PeerId.Generate(), ReservedBits.Shoal).WriteTo(handshake);
        var upgraded = await PlaintextUpgrade.Instance.UpgradeIncomingAsync(Incoming(handshake), new Lookup(), TestContext.Current.CancellationToken);
        Assert.NotNull(upgraded);
        Assert.False(upgraded.IsEncrypted);
        Assert.Equal(IPAddress.Parse("10.1.2.3"), upgraded.RemoteEndPoint.Address);
        var read = new byte[Handshake.Length];
        await upgraded.Stream.ReadExactlyAsync(read, TestContext.Current.CancellationToken);
        Assert.Equal(handshake, read);
    }

    [Fact]
    public async Task Anything_else_goes_to_the_responder_or_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var keyExchange = new byte[96];
        new Random(1).NextBytes(keyExchange);
        Assert.Null(await PlaintextUpgrade.Instance.UpgradeIncomingAsync(Incoming(keyExchange), new Lookup(), ct));
        var responder = new RecordingResponder();
        var upgraded = await new PlaintextUpgrade(responder).UpgradeIncomingAsync(Incoming(keyExchange), new Lookup(), ct);
        Assert.True(upgraded!.IsEncrypted);
        Assert.Equal(keyExchange[..HandshakeSniffer.Length], responder.FirstBytes);
        Assert.Equal([Hash], responder.Torrents);
    }

    [Fact]
    public async Task A_peer_that_closes_before_twenty_bytes_is_refused() =>
        Assert.Null(await PlaintextUpgrade.Instance.UpgradeIncomingAsync(Incoming([19, 66]), new Lookup(), TestContext.Current.CancellationToken));

    /// <summary>Marks outgoing connections encrypted without changing the bytes: enough to see the seam carry the flag.</summary>
    private sealed class MarkingUpgrade : IConnectionUpgrade
    {
        public ValueTask<TransportConnection> UpgradeOutgoingAsync(TransportConnection connection, InfoHash infoHash, ReadOnlyMemory<byte> handshake, CancellationToken ct) =>
            ValueTask.FromResult(connection.Wrap(connection.Stream, isEncrypted: true));

        public ValueTask<TransportConnection?> UpgradeIncomingAsync(TransportConnection connection, IInfoHashLookup torrents, CancellationToken ct) =>
            PlaintextUpgrade.Instance.UpgradeIncomingAsync(connection, torrents, ct);
    }

    [Fact]
    public async Task An_upgrade_plugs_in_without_the_swarm_knowing_and_shows_in_peer_status()
    {
        var ct = TestContext.Current.CancellationToken;
        var content = SwarmTestData.RandomBytes(256 * 1024, seed: 4);
        var info = SwarmTestData.SingleFile(content);
        var network = new InMemoryNetwork();
        await using var seeder = ClientEngine.Start(new EngineSettings(), network.NewHost());
        seeder.AddTorrent(info, MemoryStorage.CreateSeeded(info, content));
        // Slow enough that the connection is seen before the download ends it ("both seeding").
        await using var leecher = ClientEngine.Start(new EngineSettings { DownloadRateLimit = 128 * 1024 }, network.NewHost(new MarkingUpgrade()));
        var session = leecher.AddTorrent(info, new MemoryStorage(info));
        session.AddPeers([seeder.ListenEndPoint], PeerSource.Manual);
        await MetadataExchangeTests.WaitUntilAsync(() => session.GetStatus().Peers.Count == 1, ct);
        var peer = session.GetStatus().Peers.Single();
        Assert.True(peer.IsEncrypted);
        Assert.Equal(TransportKind.InMemory, peer.Transport);
        await session.Completion.WaitAsync(TimeSpan.FromSeconds(20), ct);
    }
}
