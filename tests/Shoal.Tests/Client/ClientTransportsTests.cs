using System.Net;
using Shoal.Client;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Swarm;
using Shoal.Transport;
using Shoal.Transport.Mse;

namespace Shoal.Tests.Client;

/// <summary>The composition root on loopback: TCP and uTP on one port number, MSE over either, uTP dialled first.</summary>
public sealed class ClientTransportsTests
{
    /// <summary>An engine built by <see cref="ClientTransports.Default"/>, with its own UDP port when uTP is wanted.</summary>
    private sealed class Host : IAsyncDisposable
    {
        private readonly IDatagramPort? _udp;

        public Host(PeerTransportMode mode, EncryptionPolicy encryption, EngineSettings? settings = null)
        {
            settings ??= new EngineSettings();
            settings = settings with { ListenAddress = IPAddress.Loopback, ListenPort = 0 };
            if (mode != PeerTransportMode.Tcp)
            {
                _udp = ClientTransports.Udp(settings);
                settings = settings with { ListenPort = _udp.LocalEndPoint.Port };
            }
            var transports = ClientTransports.Default(new TransportSetup(settings, _udp) { Mode = mode, Encryption = encryption });
            Engine = ClientEngine.Start(settings, transports);
        }

        public ClientEngine Engine { get; }

        public async ValueTask DisposeAsync()
        {
            await Engine.DisposeAsync();
            if (_udp is IAsyncDisposable d) await d.DisposeAsync();
        }
    }

    private static async Task<PeerStatus> TransferAsync(Host seeder, Host leecher)
    {
        var ct = TestContext.Current.CancellationToken;
        var content = SwarmTestData.RandomBytes(512 * 1024, seed: 11);
        var info = SwarmTestData.SingleFile(content);
        seeder.Engine.AddTorrent(info, MemoryStorage.CreateSeeded(info, content));
        var session = leecher.Engine.AddTorrent(info, new MemoryStorage(info));
        session.AddPeers([new IPEndPoint(IPAddress.Loopback, seeder.Engine.ListenPort)], PeerSource.Manual);
        await MetadataExchangeTests.WaitUntilAsync(() => session.GetStatus().Peers.Count == 1, ct);
        var peer = session.GetStatus().Peers.Single();
        await session.Completion.WaitAsync(TimeSpan.FromSeconds(30), ct);
        return peer;
    }

    private static EngineSettings Slow => new() { DownloadRateLimit = 256 * 1024 };

    [Theory]
    [InlineData(EncryptionPolicy.Off, false)]
    [InlineData(EncryptionPolicy.Require, true)]
    public async Task Two_engines_talk_over_uTP_alone_plain_or_encrypted(EncryptionPolicy encryption, bool encrypted)
    {
        await using var seeder = new Host(PeerTransportMode.Utp, encryption);
        await using var leecher = new Host(PeerTransportMode.Utp, encryption, Slow);
        var peer = await TransferAsync(seeder, leecher);
        Assert.Equal(TransportKind.Utp, peer.Transport);
        Assert.Equal(encrypted, peer.IsEncrypted);
    }

    [Fact]
    public async Task Both_dials_uTP_first_when_the_peer_speaks_it()
    {
        await using var seeder = new Host(PeerTransportMode.Both, EncryptionPolicy.Prefer);
        await using var leecher = new Host(PeerTransportMode.Both, EncryptionPolicy.Prefer, Slow);
        var peer = await TransferAsync(seeder, leecher);
        Assert.Equal(TransportKind.Utp, peer.Transport);
        Assert.True(peer.IsObfuscated); // the MSE handshake, then plaintext (both sides on the default policy)
        Assert.False(peer.IsEncrypted);
    }

    [Fact]
    public async Task Both_falls_back_to_TCP_when_the_peer_has_no_uTP()
    {
        await using var seeder = new Host(PeerTransportMode.Tcp, EncryptionPolicy.Prefer);
        await using var leecher = new Host(PeerTransportMode.Both, EncryptionPolicy.Prefer, Slow);
        var peer = await TransferAsync(seeder, leecher);
        Assert.Equal(TransportKind.Tcp, peer.Transport);
    }

    [Fact]
    public void uTP_alone_without_a_UDP_port_is_a_clear_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            ClientTransports.Default(new TransportSetup(new EngineSettings { ListenAddress = IPAddress.Loopback, ListenPort = 0 }, null) { Mode = PeerTransportMode.Utp }));
        Assert.Contains("UDP port", error.Message);
    }
}
