using System.CommandLine;
using System.Net;
using Shoal.Cli.Commands;
using Shoal.Client;
using Shoal.Discovery.Dht;
using Shoal.Metainfo;
using Shoal.Storage;
using Shoal.Swarm;
using Shoal.Tests.Swarm;

namespace Shoal.Tests.Client;

/// <summary>How the client uses its DHT node: which torrents go on it (never private ones, BEP 27), and the CLI's choice of bootstrap nodes.</summary>
public sealed class ClientDhtTests
{
    private static ClientOptions WithDht => new()
    {
        Engine = new EngineSettings { ListenAddress = IPAddress.Loopback, ListenPort = 0 },
        Datagrams = ClientTransports.Udp,
        EnableDht = true,
        Dht = new DhtOptions { BootstrapNodes = [] },
    };

    [Fact]
    public async Task Public_torrents_are_announced_private_ones_never_and_a_pause_stops_it()
    {
        var content = new byte[100_000];
        new Random(3).NextBytes(content);
        var open = SwarmTestData.SingleFile(content);
        var closed = TorrentInfo.Create("closed.bin", open.PieceLength, open.PieceHashes, [(["closed.bin"], content.Length, false)], multiFile: false,
            isPrivate: true);
        await using var client = await ShoalClient.StartAsync(WithDht);
        Assert.NotNull(client.Dht);
        Assert.Equal(client.Datagrams!.LocalEndPoint.Port, client.Options.Engine.DhtPort);

        var shared = client.Add(open, [], MemoryStorage.CreateSeeded(open, content));
        var secret = client.Add(closed, [], MemoryStorage.CreateSeeded(closed, content));
        Assert.True(shared.IsOnDht);
        Assert.False(secret.IsOnDht);

        await shared.PauseAsync();
        Assert.False(shared.IsOnDht);
        shared.Resume();
        Assert.True(shared.IsOnDht);
        secret.Resume();
        Assert.False(secret.IsOnDht);
    }

    [Fact]
    public async Task The_dht_switched_on_while_running_announces_public_torrents_not_paused_or_private_ones_and_off_stops_it()
    {
        var content = new byte[50_000];
        new Random(4).NextBytes(content);
        var open = SwarmTestData.SingleFile(content);
        var paused = TorrentInfo.Create("paused.bin", open.PieceLength, open.PieceHashes, [(["paused.bin"], content.Length, false)], multiFile: false);
        var closed = TorrentInfo.Create("closed.bin", open.PieceLength, open.PieceHashes, [(["closed.bin"], content.Length, false)], multiFile: false,
            isPrivate: true);
        await using var client = await ShoalClient.StartAsync(WithDht with { EnableDht = false });
        var shared = client.Add(open, [], MemoryStorage.CreateSeeded(open, content));
        var resting = client.Add(paused, [], MemoryStorage.CreateSeeded(paused, content));
        var secret = client.Add(closed, [], MemoryStorage.CreateSeeded(closed, content));
        await resting.PauseAsync();

        Assert.True(await client.SetDhtEnabledAsync(true));
        Assert.NotNull(client.Dht);
        Assert.True(shared.IsOnDht);
        Assert.False(resting.IsOnDht);
        Assert.False(secret.IsOnDht);

        Assert.False(await client.SetDhtEnabledAsync(false));
        Assert.Null(client.Dht);
        Assert.False(shared.IsOnDht);
        Assert.True(await client.SetDhtEnabledAsync(true)); // and on again, on the same UDP port
        Assert.True(shared.IsOnDht);

        await using var tcpOnly = await ShoalClient.StartAsync(WithDht with { EnableDht = false, Datagrams = null });
        Assert.False(await tcpOnly.SetDhtEnabledAsync(true));
    }

    [Fact]
    public async Task Without_enable_dht_there_is_no_node_and_no_dht_port()
    {
        await using var client = await ShoalClient.StartAsync(WithDht with { EnableDht = false });
        Assert.Null(client.Dht);
        Assert.Null(client.Options.Engine.DhtPort);
    }

    [Theory]
    [InlineData(new[] { "--dht-bootstrap", "127.0.0.1:7000", "--dht-bootstrap", "[::1]:7001" }, new[] { "127.0.0.1:7000", "[::1]:7001" })]
    [InlineData(new string[0], new string[0])]
    public void The_cli_never_picks_the_public_routers_in_tests(string[] args, string[] expected)
    {
        // The test assembly sets SHOAL_NO_PUBLIC_DHT (as test.sh and CI do), so even an unbound client gets no defaults.
        Assert.Equal("1", Environment.GetEnvironmentVariable(DhtFlags.NoPublicVariable));
        var flags = new DhtFlags();
        var command = new RootCommand();
        flags.AddTo(command);
        var options = flags.Apply(command.Parse(args), new ClientOptions());
        Assert.True(options.EnableDht);
        Assert.NotNull(options.Datagrams);
        Assert.Equal(expected, options.Dht.BootstrapNodes);
        Assert.Null(options.Dht.StateFile);
    }

    [Fact]
    public void No_dht_turns_it_off_and_a_bad_bootstrap_entry_is_one_clear_line()
    {
        var flags = new DhtFlags();
        var command = new RootCommand();
        flags.AddTo(command);
        Assert.False(flags.Apply(command.Parse(["--no-dht"]), new ClientOptions()).EnableDht);
        var e = Assert.Throws<Shoal.Cli.UserErrorException>(() => flags.Apply(command.Parse(["--dht-bootstrap", "router:http"]), new ClientOptions()));
        Assert.Equal("--dht-bootstrap 'router:http' is not HOST:PORT", e.Message);
    }
}
