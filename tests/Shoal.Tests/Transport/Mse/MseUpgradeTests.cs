using System.Net;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Swarm;
using Shoal.Transport;
using Shoal.Transport.Mse;

namespace Shoal.Tests.Transport.Mse;

/// <summary>MSE/PE as the engine's upgrade stage: whole swarms over in-memory links, each side on its own policy.</summary>
public class MseUpgradeTests
{
    /// <summary>An engine whose upgrade stage is MSE with <paramref name="policy"/> (Off: the plain sniffing stage).</summary>
    private static ClientEngine Start(InMemoryNetwork network, EncryptionPolicy policy, EngineSettings? settings = null)
    {
        // The redial of "prefer" must come from the same host: build its transports, then the upgrade over its dialer.
        var plain = network.NewHost();
        var upgrade = policy == EncryptionPolicy.Off ? (IConnectionUpgrade)PlaintextUpgrade.Instance : new MseConnectionUpgrade(policy, plain.Dialer);
        return ClientEngine.Start(settings ?? new EngineSettings(), new PeerTransports(plain.Dialer, plain.Listeners, upgrade));
    }

    private static async Task<(TorrentSession Leecher, TorrentSession Seeder)> TransferAsync(ClientEngine seeder, ClientEngine leecher,
        int extraTorrentsOnSeeder = 0)
    {
        var ct = TestContext.Current.CancellationToken;
        for (int i = 0; i < extraTorrentsOnSeeder; i++)
        {
            var other = SwarmTestData.SingleFile(SwarmTestData.RandomBytes(16 * 1024, seed: 100 + i));
            seeder.AddTorrent(other, new MemoryStorage(other));
        }
        var content = SwarmTestData.RandomBytes(256 * 1024, seed: 7);
        var info = SwarmTestData.SingleFile(content);
        var seeding = seeder.AddTorrent(info, MemoryStorage.CreateSeeded(info, content));
        var session = leecher.AddTorrent(info, new MemoryStorage(info));
        session.AddPeers([seeder.ListenEndPoint], PeerSource.Manual);
        await MetadataExchangeTests.WaitUntilAsync(() => session.GetStatus().Peers.Count == 1, ct);
        return (session, seeding);
    }

    private static EngineSettings Slow => new() { DownloadRateLimit = 128 * 1024 };

    [Theory]
    [InlineData(EncryptionPolicy.Require, EncryptionPolicy.Require)]
    [InlineData(EncryptionPolicy.Prefer, EncryptionPolicy.Require)]
    [InlineData(EncryptionPolicy.Require, EncryptionPolicy.Allow)]
    public async Task Encrypted_both_ways_with_RC4_when_both_policies_lean_that_way(EncryptionPolicy leecherPolicy, EncryptionPolicy seederPolicy)
    {
        var network = new InMemoryNetwork();
        await using var seeder = Start(network, seederPolicy);
        await using var leecher = Start(network, leecherPolicy, Slow);
        var (session, seeding) = await TransferAsync(seeder, leecher);
        Assert.True(session.GetStatus().Peers.Single().IsEncrypted);
        await MetadataExchangeTests.WaitUntilAsync(() => seeding.GetStatus().Peers.Count == 1, TestContext.Current.CancellationToken);
        Assert.True(seeding.GetStatus().Peers.Single().IsEncrypted);
        await session.Completion.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Two_defaults_hide_the_handshake_and_send_plaintext_after_it_as_libtorrent_does()
    {
        var network = new InMemoryNetwork();
        await using var seeder = Start(network, EncryptionPolicy.Prefer);
        await using var leecher = Start(network, EncryptionPolicy.Prefer, Slow);
        var (session, seeding) = await TransferAsync(seeder, leecher);
        var peer = session.GetStatus().Peers.Single();
        Assert.True(peer.IsObfuscated);
        Assert.False(peer.IsEncrypted);
        await MetadataExchangeTests.WaitUntilAsync(() => seeding.GetStatus().Peers.Count == 1, TestContext.Current.CancellationToken);
        Assert.True(seeding.GetStatus().Peers.Single() is { IsObfuscated: true, IsEncrypted: false });
        Assert.Equal(1, network.AcceptedBy(seeder.ListenEndPoint)); // the MSE handshake succeeded: no plaintext retry
        await session.Completion.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Allow_picks_plaintext_after_an_obfuscated_handshake_when_offered_both()
    {
        var network = new InMemoryNetwork();
        await using var seeder = Start(network, EncryptionPolicy.Allow);
        await using var leecher = Start(network, EncryptionPolicy.Prefer, Slow);
        var (session, _) = await TransferAsync(seeder, leecher);
        Assert.False(session.GetStatus().Peers.Single().IsEncrypted);
        Assert.Equal(1, network.AcceptedBy(seeder.ListenEndPoint)); // the MSE handshake succeeded: no plaintext retry
        await session.Completion.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Prefer_falls_back_to_plaintext_with_a_peer_that_refuses_encryption()
    {
        var network = new InMemoryNetwork();
        await using var seeder = Start(network, EncryptionPolicy.Off);
        await using var leecher = Start(network, EncryptionPolicy.Prefer, Slow);
        var (session, _) = await TransferAsync(seeder, leecher);
        Assert.True(session.GetStatus().Peers.Single() is { IsEncrypted: false, IsObfuscated: false });
        Assert.Equal(2, network.AcceptedBy(seeder.ListenEndPoint)); // the encrypted attempt, then the plaintext one
        await session.Completion.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task The_responder_finds_the_torrent_among_all_the_engines_info_hashes()
    {
        var network = new InMemoryNetwork();
        await using var seeder = Start(network, EncryptionPolicy.Require);
        await using var leecher = Start(network, EncryptionPolicy.Require, Slow); // slow: the peer is still there when looked for
        var (session, _) = await TransferAsync(seeder, leecher, extraTorrentsOnSeeder: 5);
        await session.Completion.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Require_refuses_a_plaintext_only_peer_both_ways_and_says_why()
    {
        var ct = TestContext.Current.CancellationToken;
        var log = new TestLoggers();
        // Outgoing: the plaintext-only peer closes on the key exchange; no plaintext retry.
        var (a, b) = DuplexPipe.Create();
        var plainSide = PlaintextUpgrade.Instance.UpgradeIncomingAsync(Connection(b, incoming: true), new Lookup(MseTestPeers.Torrent), ct).AsTask()
            .ContinueWith(t => { b.Dispose(); return t.Result; }, TaskScheduler.Default);
        var require = new MseConnectionUpgrade(EncryptionPolicy.Require, new NoDialer(), log.CreateLogger("mse"));
        var error = await Assert.ThrowsAsync<IOException>(async () => await require.UpgradeOutgoingAsync(Connection(a, incoming: false), MseTestPeers.Torrent, ReadOnlyMemory<byte>.Empty, ct));
        Assert.Contains("encryption is required", error.Message);
        Assert.Null(await plainSide);

        // Incoming: a plaintext BitTorrent handshake is refused, with a log line naming the peer.
        var handshake = new byte[68];
        "\u0013BitTorrent protocol"u8.CopyTo(handshake);
        Assert.Null(await require.UpgradeIncomingAsync(Connection(new MemoryStream(handshake), incoming: true), new Lookup(MseTestPeers.Torrent), ct));
        Assert.Contains(log.Lines, l => l.Contains("refused a plaintext connection: encryption is required") && l.Contains("10.1.2.3"));
        Assert.Contains(log.Lines, l => l.Contains("encryption is required, so not trying plaintext"));
    }

    [Theory]
    [InlineData(EncryptionPolicy.Require, EncryptionPolicy.Require)]
    [InlineData(EncryptionPolicy.Prefer, EncryptionPolicy.Prefer)] // plaintext selected: the IA still travels inside step 3
    public async Task The_initiator_sends_the_BitTorrent_handshake_inside_the_MSE_handshake_and_the_responder_delivers_it_first(
        EncryptionPolicy initiatorPolicy, EncryptionPolicy responderPolicy)
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, b) = DuplexPipe.Create();
        var responder = new MseConnectionUpgrade(responderPolicy, new NoDialer());
        var incoming = responder.UpgradeIncomingAsync(Connection(b, incoming: true), new Lookup(MseTestPeers.Torrent), ct).AsTask();
        var handshake = new byte[68];
        "\u0013BitTorrent protocol"u8.CopyTo(handshake);
        MseTestPeers.Torrent.Span.CopyTo(handshake.AsSpan(28));
        "-SH0100-abcdefghijkl"u8.CopyTo(handshake.AsSpan(48));
        var initiator = new MseConnectionUpgrade(initiatorPolicy, new NoDialer());
        var outgoing = await initiator.UpgradeOutgoingAsync(Connection(a, incoming: false), MseTestPeers.Torrent, handshake, ct);
        Assert.True(outgoing.HandshakeSent);
        var upgraded = await incoming;
        Assert.NotNull(upgraded);
        Assert.Equal(responderPolicy == EncryptionPolicy.Require, upgraded.IsEncrypted);
        // Nothing was written after the MSE handshake, yet the responder's stream starts with our BitTorrent handshake.
        var received = new byte[68];
        await upgraded.Stream.ReadExactlyAsync(received, ct);
        Assert.Equal(handshake, received);

        // Without a handshake to carry, the IA is empty and the swarm sends its own.
        var (c, d) = DuplexPipe.Create();
        var other = responder.UpgradeIncomingAsync(Connection(d, incoming: true), new Lookup(MseTestPeers.Torrent), ct).AsTask();
        var plainIa = await initiator.UpgradeOutgoingAsync(Connection(c, incoming: false), MseTestPeers.Torrent, ReadOnlyMemory<byte>.Empty, ct);
        Assert.False(plainIa.HandshakeSent);
        Assert.NotNull(await other);
    }

    [Fact]
    public async Task An_encrypted_handshake_for_a_torrent_not_served_is_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        var (a, b) = DuplexPipe.Create();
        var responder = new MseConnectionUpgrade(EncryptionPolicy.Prefer, new NoDialer());
        var incoming = responder.UpgradeIncomingAsync(Connection(b, incoming: true), new Lookup(InfoHash.Parse(new string('e', 40))), ct).AsTask()
            .ContinueWith(t => { b.Dispose(); return t.Result; }, TaskScheduler.Default);
        var initiator = new MseConnectionUpgrade(EncryptionPolicy.Require, new NoDialer());
        await Assert.ThrowsAsync<IOException>(async () => await initiator.UpgradeOutgoingAsync(Connection(a, incoming: false), MseTestPeers.Torrent, ReadOnlyMemory<byte>.Empty, ct));
        Assert.Null(await incoming);
    }

    private static TransportConnection Connection(Stream stream, bool incoming) =>
        new(stream, new IPEndPoint(IPAddress.Parse("10.1.2.3"), 6881), TransportKind.Tcp, incoming);

    private sealed class Lookup(InfoHash hash) : IInfoHashLookup
    {
        public IReadOnlyCollection<InfoHash> InfoHashes => [hash];
        public bool Contains(InfoHash infoHash) => infoHash == hash;
    }

    private sealed class NoDialer : IPeerDialer
    {
        public Task<TransportConnection> DialAsync(IPEndPoint endPoint, CancellationToken ct) => throw new InvalidOperationException("no redial expected");
    }
}
